"""Composition root: create the adapters once and wire them into the handler."""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta

import boto3
from fastapi import FastAPI

from feedback_contracts import ErasureRequested, ReplyRequested, TemplateRequested, topics
from messenger.adapters.dynamo_ledger import DynamoSendLedger
from messenger.adapters.twilio_sender import TwilioMessageSender
from messenger.deps import Messenger, SendPolicy
from messenger.handlers import (
    handle_erasure_requested,
    handle_reply_requested,
    handle_template_requested,
)
from messenger.ledger import SendLedger
from messenger.ratelimit import SendRateLimiter
from messenger.sending import MessageSender
from messenger.settings import MessengerSettings
from service_runtime.app import service_app
from service_runtime.consent import ConsentStore
from service_runtime.dynamo_consent import DynamoConsentStore
from service_runtime.inprocess import InProcessBus
from service_runtime.logs import register_secrets
from service_runtime.publishing import Publisher
from service_runtime.routing import by_topic, on
from service_runtime.wiring import Wiring


@dataclass
class MessengerAdapters:
    """Twilio, the send ledger and the opt-outs, and what to close at shutdown."""

    sender: MessageSender
    ledger: SendLedger
    consent: ConsentStore
    closers: list[Callable[[], Awaitable[None]]] = field(default_factory=list)


def adapters_for(settings: MessengerSettings) -> MessengerAdapters:
    """Twilio's Messages API; the ledger and opt-outs in DynamoDB."""
    dynamodb = boto3.resource(
        "dynamodb", region_name=settings.aws_region, endpoint_url=settings.aws_endpoint_url
    )
    sender = TwilioMessageSender(
        settings.twilio_account_sid,
        settings.twilio_auth_token.get_secret_value(),
        api_base_url=settings.twilio_api_base_url,
        timeout_s=settings.twilio_timeout_s,
        max_concurrent=settings.twilio_max_concurrent,
    )
    return MessengerAdapters(
        sender=sender,
        ledger=DynamoSendLedger(dynamodb.Table(settings.outbound_table)),
        consent=DynamoConsentStore(dynamodb.Table(settings.opt_outs_table)),
        closers=[sender.close],
    )


def create_app(
    settings: MessengerSettings,
    *,
    bus: InProcessBus | None = None,
    adapters: MessengerAdapters | None = None,
) -> FastAPI:
    """The messenger service as a FastAPI app; `adapters` replaces Twilio and DynamoDB."""
    register_secrets(settings.twilio_auth_token.get_secret_value())

    async def wire(app: FastAPI, publisher: Publisher) -> Wiring:
        used = adapters or adapters_for(settings)
        limiter = SendRateLimiter(settings.send_rate_per_second)
        deps = Messenger(
            sender=used.sender,
            ledger=used.ledger,
            consent=used.consent,
            publisher=publisher,
            limiter=limiter,
            policy=SendPolicy(
                from_number=settings.twilio_whatsapp_from,
                status_callback=settings.status_callback_url,
                max_attempts=settings.max_send_attempts,
                backoff_s=settings.send_backoff_s,
                settle_after=timedelta(seconds=2 * settings.twilio_timeout_s),
            ),
        )
        handler = functools.partial(handle_reply_requested, deps=deps)
        return Wiring(
            handlers=by_topic(
                on(ReplyRequested, handler),
                on(TemplateRequested, functools.partial(handle_template_requested, deps=deps)),
                on(ErasureRequested, functools.partial(handle_erasure_requested, deps=deps)),
            ),
            closers=used.closers,
            on_share=lambda shares: limiter.set_share(shares[topics.REPLY_REQUESTS]),
        )

    return service_app(settings, wire=wire, bus=bus)
