"""HTTP routes: Twilio's webhooks (served by `TwilioWebhooks`) and the original API."""

from __future__ import annotations

from fastapi import APIRouter, Depends, HTTPException, Request
from pydantic import BaseModel

from ingress.handlers import (
    inbound_from_api,
    inbound_from_twilio,
    publish_inbound,
    status_from_twilio,
)
from ingress.settings import IngressSettings
from ingress.webhooks import EMPTY_TWIML, WebhookRoute
from service_runtime.auth import require_bearer
from service_runtime.publishing import Publisher, PublishError

TWILIO_WEBHOOKS = {
    "/twilio/messages": WebhookRoute(
        inbound_from_twilio, "webhook", 200, EMPTY_TWIML, b"text/xml; charset=utf-8"
    ),
    "/twilio/status": WebhookRoute(status_from_twilio, "status callback", 204),
}
router = APIRouter()


class ReplyBody(BaseModel):
    """The original API's request."""

    sender_id: str
    message: str


def _settings(request: Request) -> IngressSettings:
    settings: IngressSettings = request.app.state.settings
    return settings


@router.get("/health/")
async def health() -> dict[str, str]:
    """The original health check."""
    return {"status": "healthy"}


_bearer = require_bearer(
    lambda request: _settings(request).intelligence_api_secret.get_secret_value()
)


@router.post("/reply/", dependencies=[Depends(_bearer)])
async def reply(body: ReplyBody, request: Request) -> dict[str, str | None]:
    """The original API: queue a customer message; the reply is sent asynchronously."""
    event = inbound_from_api(sender_id=body.sender_id, message=body.message)
    publisher: Publisher = request.app.state.publisher
    try:
        await publish_inbound(event, publisher=publisher)
    except PublishError as error:
        raise HTTPException(503, "event bus unavailable", headers={"Retry-After": "5"}) from error
    return {"session_id": None, "message_id": event.message_sid, "status": "queued"}
