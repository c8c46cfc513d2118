"""Composition root: create the adapters once and wire them into the handler."""

from __future__ import annotations

import functools
from datetime import timedelta

import boto3
from fastapi import FastAPI

from feedback_contracts import ReplyRequested, topics
from messenger.handlers import Messenger, SendPolicy, handle_reply_requested
from messenger.ledger import DynamoSendLedger
from messenger.ratelimit import SendRateLimiter
from messenger.sending import TwilioMessageSender
from messenger.settings import MessengerSettings
from service_runtime.app import Wiring, service_app
from service_runtime.consent import DynamoConsentStore
from service_runtime.inprocess import InProcessBus
from service_runtime.logs import register_secrets
from service_runtime.publishing import Publisher
from service_runtime.routing import by_topic, on


def create_app(settings: MessengerSettings, *, bus: InProcessBus | None = None) -> FastAPI:
    """The messenger service as a FastAPI app."""
    token = settings.twilio_auth_token.get_secret_value()
    register_secrets(token)

    async def wire(app: FastAPI, publisher: Publisher) -> Wiring:
        dynamodb = boto3.resource(
            "dynamodb", region_name=settings.aws_region, endpoint_url=settings.aws_endpoint_url
        )
        sender = TwilioMessageSender(
            settings.twilio_account_sid,
            token,
            api_base_url=settings.twilio_api_base_url,
            timeout_s=settings.twilio_timeout_s,
        )
        limiter = SendRateLimiter(settings.send_rate_per_second)
        deps = Messenger(
            sender=sender,
            ledger=DynamoSendLedger(dynamodb.Table(settings.outbound_table)),
            consent=DynamoConsentStore(dynamodb.Table(settings.opt_outs_table)),
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
            handlers=by_topic(on(ReplyRequested, handler)),
            closers=[sender.close],
            on_share=lambda shares: limiter.set_share(shares[topics.REPLY_REQUESTS]),
        )

    return service_app(settings, wire=wire, bus=bus)
