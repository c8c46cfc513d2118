"""How a send ended, published: reply-sent or reply-failed, and counted."""

from __future__ import annotations

import logging

from opentelemetry import metrics

from feedback_contracts import (
    Envelope,
    ReplyFailedV2,
    ReplyRequestedV2,
    ReplySentV2,
    ReplyText,
    TemplateRequested,
)
from messenger.deps import Messenger, Request

log = logging.getLogger(__name__)


_sends = metrics.get_meter("messenger").create_counter(
    "messenger.replies", unit="{reply}", description="Replies by outcome and Twilio error code"
)


SOURCE = "feedback-intelligence/messenger"


def reply_text(request: Request) -> ReplyText:
    """What the reply said (a template's preview) and when the message it answers came."""
    if isinstance(request, TemplateRequested):
        return ReplyText(text=request.preview, template_sid=request.content_sid)
    answered = request.customer_message_at if isinstance(request, ReplyRequestedV2) else None
    return ReplyText(text=request.body, customer_message_at=answered)


async def publish_sent(
    envelope: Envelope, request: Request, sids: list[str], deps: Messenger
) -> None:
    sent = ReplySentV2(
        reply_id=request.reply_id,
        recipient=request.recipient,
        twilio_message_sids=sids,
        reply=reply_text(request),
    )
    _sends.add(1, {"outcome": "sent"})
    await deps.publisher.publish(envelope.follow(sent, source=SOURCE))


async def publish_failed(
    envelope: Envelope, request: Request, deps: Messenger, code: str, message: str
) -> None:
    failed = ReplyFailedV2(
        reply_id=request.reply_id,
        recipient=request.recipient,
        error_code=code,
        error_message=message,
        permanent=True,
        reply=reply_text(request),
    )
    log.warning("reply failed", extra={"code": code})
    _sends.add(1, {"outcome": "failed", "error_code": code})
    await deps.publisher.publish(envelope.follow(failed, source=SOURCE))
