"""Turn what arrives at the edge into events; publish them durably or say why not."""

from __future__ import annotations

import uuid
from collections.abc import Mapping

from opentelemetry import trace

from feedback_contracts import DeliveryStatus, DeliveryStatusV2, Envelope, InboundMessage, MediaItem
from service_runtime.publishing import Publisher

SOURCE = "feedback-intelligence/ingress"
EMPTY: Mapping[str, str] = {}  # no query string

_MODELED = {
    "MessageSid": "message_sid",
    "AccountSid": "account_sid",
    "From": "sender_id",
    "To": "to",
    "Body": "body",
    "WaId": "wa_id",
    "ProfileName": "profile_name",
    "NumMedia": "num_media",
    "ButtonText": "button_text",
    "ButtonPayload": "button_payload",
    "Latitude": "latitude",
    "Longitude": "longitude",
    "Address": "address",
    "Label": "label",
    "OriginalRepliedMessageSid": "original_replied_message_sid",
}


class MalformedWebhook(ValueError):
    """A signed webhook that lacks what every Twilio message carries."""


def inbound_from_twilio(
    form: Mapping[str, str], query: Mapping[str, str] = EMPTY
) -> InboundMessage:
    """Map Twilio's inbound WhatsApp webhook; fields not modeled are kept in `extra`."""
    missing = [name for name in ("MessageSid", "From") if not form.get(name)]
    if missing:
        raise MalformedWebhook(f"missing {', '.join(missing)}")
    count = _int(form.get("NumMedia", "0"), "NumMedia")
    media = [_media_item(form, index) for index in range(count)]
    media_fields = {f"{kind}{i}" for i in range(count) for kind in ("MediaUrl", "MediaContentType")}
    values = {field: form[name] for name, field in _MODELED.items() if form.get(name)}
    extra = {k: v for k, v in form.items() if k not in _MODELED and k not in media_fields}
    try:
        return InboundMessage.model_validate({**values, "media": media, "extra": extra})
    except ValueError as error:
        raise MalformedWebhook(str(error)) from error


def status_from_twilio(
    form: Mapping[str, str], query: Mapping[str, str] = EMPTY
) -> DeliveryStatusV2:
    """Map Twilio's status callback for a message we sent; the messenger names the reply in
    the callback's URL (`?reply_id=`)."""
    missing = [name for name in ("MessageSid", "MessageStatus", "To") if not form.get(name)]
    if missing:
        raise MalformedWebhook(f"missing {', '.join(missing)}")
    known = {"MessageSid", "MessageStatus", "To", "AccountSid", "ErrorCode", "ErrorMessage"}
    return DeliveryStatusV2(
        reply_id=(query.get("reply_id") or None),
        message_sid=form["MessageSid"],
        message_status=form["MessageStatus"],
        recipient=form["To"],
        account_sid=form.get("AccountSid"),
        error_code=form.get("ErrorCode") or None,
        error_message=form.get("ErrorMessage") or None,
        extra={key: value for key, value in form.items() if key not in known},
    )


def inbound_from_api(*, sender_id: str, message: str) -> InboundMessage:
    """The original `POST /reply/` body (validated: `api.ReplyBody`) as an inbound message with
    a generated id."""
    return InboundMessage(
        message_sid="API" + uuid.uuid4().hex, sender_id=sender_id, body=message, origin="api"
    )


async def publish_inbound(event: InboundMessage | DeliveryStatus, *, publisher: Publisher) -> None:
    """Publish with the Twilio MessageSid as the correlation id (raises `PublishError`)."""
    trace.get_current_span().set_attribute("feedback.correlation_id", event.message_sid)
    await publisher.publish(Envelope.wrap(event, source=SOURCE, correlation_id=event.message_sid))


def _media_item(form: Mapping[str, str], index: int) -> MediaItem:
    url = form.get(f"MediaUrl{index}")
    if not url:
        raise MalformedWebhook(f"missing MediaUrl{index}")
    return MediaItem(
        media_sid=url.rstrip("/").rsplit("/", 1)[-1],
        url=url,
        content_type=form.get(f"MediaContentType{index}", "application/octet-stream"),
    )


def _int(value: str, name: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise MalformedWebhook(f"{name} is not a number: {value!r}") from None
