"""Composition root: create the adapters once and hand them to the webhooks and the routes."""

from __future__ import annotations

from dataclasses import dataclass, field

from fastapi import FastAPI
from starlette.types import ASGIApp

from ingress.routes import router
from ingress.settings import IngressSettings
from ingress.signatures import TwilioSignatureCheck
from ingress.webhooks import TwilioWebhooks
from service_runtime.app import service_app
from service_runtime.auth import bearer_matches
from service_runtime.inprocess import InProcessBus
from service_runtime.logs import register_secrets
from service_runtime.publishing import Publisher
from service_runtime.wiring import Closer, Wiring


@dataclass
class IngressAdapters:
    """How Twilio's requests are recognised, and what to close at shutdown."""

    signature_check: TwilioSignatureCheck
    closers: list[Closer] = field(default_factory=list)


def adapters_for(settings: IngressSettings) -> IngressAdapters:
    """Twilio's signature, checked with the account's auth token."""
    return IngressAdapters(TwilioSignatureCheck(settings.twilio_auth_token.get_secret_value()))


def create_app(
    settings: IngressSettings,
    *,
    bus: InProcessBus | None = None,
    adapters: IngressAdapters | None = None,
) -> ASGIApp:
    """The ingress service: Twilio's webhooks in front of the FastAPI app that owns the rest."""
    register_secrets(
        settings.twilio_auth_token.get_secret_value(),
        settings.intelligence_api_secret.get_secret_value(),
    )

    used = adapters or adapters_for(settings)

    async def wire(app: FastAPI, publisher: Publisher) -> Wiring:
        app.state.settings = settings  # for the original API's bearer check
        return Wiring(closers=used.closers)

    secret = settings.intelligence_api_secret.get_secret_value()
    app = service_app(
        settings,
        wire=wire,
        routers=[router],
        bus=bus,
        # `POST /reply/` takes the token before its body is read; the webhooks are in front.
        authorize_body=lambda path, headers: (
            path != "/reply/" or bearer_matches(headers.get("authorization"), secret)
        ),
    )
    return TwilioWebhooks(app, settings=settings, signature_check=used.signature_check)
