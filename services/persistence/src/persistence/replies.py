"""The replies the messenger was asked to send, and each message's delivery, as the records
port hands them out (`records.py`; the SQL side: `deliveries.py`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from feedback_contracts import ReplyRequested, TemplateRequested

AskedReply = ReplyRequested | TemplateRequested  # what the messenger was asked to send


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
