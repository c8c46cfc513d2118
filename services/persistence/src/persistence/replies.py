"""The replies the messenger sent or failed to send, what each said, and each message's
delivery, as the records port takes and hands them out (`records.py`; the SQL side:
`deliveries.py`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from feedback_contracts import (
    ReplyFailed,
    ReplyFailedV2,
    ReplySent,
    ReplySentV2,
    answered_message,
)


@dataclass(frozen=True)
class ReplyRecord:
    """What a reply said, and what it answered: one row of `replies`."""

    reply_id: str
    recipient: str
    text: str
    template_sid: str | None
    in_reply_to: str | None  # the customer's MessageSid; None for the business's own message
    customer_message_at: datetime | None


def reply_record(outcome: ReplySent | ReplyFailed) -> ReplyRecord | None:
    """The reply an outcome carries (version 2), or None."""
    if not isinstance(outcome, ReplySentV2 | ReplyFailedV2) or outcome.reply is None:
        return None
    reply = outcome.reply
    return ReplyRecord(
        reply_id=outcome.reply_id,
        recipient=outcome.recipient,
        text=reply.text,
        template_sid=reply.template_sid,
        in_reply_to=answered_message(outcome.reply_id),
        customer_message_at=reply.customer_message_at,
    )


@dataclass(frozen=True)
class ReplyDelivery:
    """One outbound message (a reply's part, or a reply that never reached Twilio) and how far
    it got, with the reply it belongs to when known: its text, or the template's id, and the
    customer's message it answers."""

    message_key: str
    reply_id: str | None
    status: str
    error_code: str | None
    updated_at: datetime
    text: str | None = None
    template_sid: str | None = None
    in_reply_to: str | None = None  # the customer's MessageSid
    customer_message_at: datetime | None = None
