"""HTTP routes: Twilio's webhooks and the original `/health/` and `/reply/` API."""

from __future__ import annotations

from urllib.parse import parse_qsl

from fastapi import APIRouter, Depends, HTTPException, Request, Response
from pydantic import BaseModel

from feedback_contracts import DeliveryStatus, InboundMessage
from ingress.handlers import (
    MalformedWebhook,
    inbound_from_api,
    inbound_from_twilio,
    publish_inbound,
    status_from_twilio,
)
from ingress.settings import IngressSettings
from ingress.signatures import TwilioSignatureCheck, public_url
from service_runtime.auth import require_bearer
from service_runtime.publishing import Publisher, PublishError

EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'
router = APIRouter()


class ReplyBody(BaseModel):
    """The original API's request."""

    sender_id: str
    message: str


def _settings(request: Request) -> IngressSettings:
    settings: IngressSettings = request.app.state.settings
    return settings


def _publisher(request: Request) -> Publisher:
    publisher: Publisher = request.app.state.publisher
    return publisher


async def _signed_form(request: Request) -> dict[str, str]:
    """The form, after the body limit and the Twilio signature (403 before anything else)."""
    settings = _settings(request)
    body = await _read_limited(request, settings.max_body_bytes)
    form = dict(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
    url = public_url(
        request, base_url=settings.public_base_url, trust_proxy=settings.trust_proxy_headers
    )
    check: TwilioSignatureCheck = request.app.state.signature_check
    if not check.is_valid(url, form, request.headers.get("x-twilio-signature")):
        raise HTTPException(403, "invalid Twilio signature")
    return form


async def _read_limited(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise HTTPException(413, f"body over {limit} bytes")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise HTTPException(413, f"body over {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


async def _publish(event: InboundMessage | DeliveryStatus, publisher: Publisher) -> None:
    try:
        await publish_inbound(event, publisher=publisher)
    except PublishError as error:
        raise HTTPException(503, "event bus unavailable", headers={"Retry-After": "5"}) from error


@router.post("/twilio/messages")
async def twilio_message(request: Request) -> Response:
    """Twilio's inbound WhatsApp webhook: publish, then answer with empty TwiML."""
    form = await _signed_form(request)
    try:
        event = inbound_from_twilio(form)
    except MalformedWebhook as error:
        raise HTTPException(400, f"malformed webhook: {error}") from error
    await _publish(event, _publisher(request))
    return Response(EMPTY_TWIML, media_type="text/xml")


@router.post("/twilio/status")
async def twilio_status(request: Request) -> Response:
    """Twilio's delivery-status callback."""
    form = await _signed_form(request)
    try:
        event = status_from_twilio(form)
    except MalformedWebhook as error:
        raise HTTPException(400, f"malformed status callback: {error}") from error
    await _publish(event, _publisher(request))
    return Response(status_code=204)


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
    await _publish(event, _publisher(request))
    return {"session_id": None, "message_id": event.message_sid, "status": "queued"}
