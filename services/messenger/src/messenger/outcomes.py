"""How a send ended, published: reply-sent or reply-failed, and counted."""

from __future__ import annotations

import logging

from opentelemetry import metrics

from feedback_contracts import (
    Envelope,
    ReplyFailed,
    ReplySent,
)
from messenger.deps import Messenger, Request

log = logging.getLogger(__name__)


_sends = metrics.get_meter("messenger").create_counter(
    "messenger.replies", unit="{reply}", description="Replies by outcome and Twilio error code"
)


SOURCE = "feedback-intelligence/messenger"


async def publish_sent(
    envelope: Envelope, request: Request, sids: list[str], deps: Messenger
) -> None:
    sent = ReplySent(
        reply_id=request.reply_id, recipient=request.recipient, twilio_message_sids=sids
    )
    _sends.add(1, {"outcome": "sent"})
    await deps.publisher.publish(envelope.follow(sent, source=SOURCE))


async def publish_failed(
    envelope: Envelope, request: Request, deps: Messenger, code: str, message: str
) -> None:
    failed = ReplyFailed(
        reply_id=request.reply_id,
        recipient=request.recipient,
        error_code=code,
        error_message=message,
        permanent=True,
    )
    log.warning("reply failed", extra={"code": code})
    _sends.add(1, {"outcome": "failed", "error_code": code})
    await deps.publisher.publish(envelope.follow(failed, source=SOURCE))
