"""The conversation's events: a customer's message, the replies asked for and how they went."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field

from feedback_contracts import topics
from feedback_contracts.envelope import Event


class MediaItem(BaseModel):
    """One media attachment Twilio announced with an inbound message."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    media_sid: str
    url: str
    content_type: str


class InboundMessage(Event):
    """A customer's WhatsApp message as Twilio's webhook (or `POST /reply/`) delivered it."""

    TYPE: ClassVar[str] = "feedback.inbound-message"
    VERSION: ClassVar[int] = 1
    TOPIC: ClassVar[str] = topics.INBOUND_MESSAGES

    message_sid: str
    account_sid: str | None = None
    sender_id: str = Field(description="The customer, as Twilio's From: whatsapp:+E164.")
    to: str | None = None
    body: str = ""
    wa_id: str | None = None
    profile_name: str | None = None
    num_media: int = 0
    media: list[MediaItem] = Field(default_factory=list)
    button_text: str | None = None
    button_payload: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    address: str | None = None
    label: str | None = None
    original_replied_message_sid: str | None = None
    origin: Literal["twilio", "api"] = "twilio"
    extra: dict[str, str] = Field(
        default_factory=dict, description="Webhook fields this version does not model, kept."
    )

    def key(self) -> str:
        return self.sender_id


class DeliveryStatus(Event):
    """Twilio's status callback for a message we sent."""

    TYPE: ClassVar[str] = "feedback.delivery-status"
    VERSION: ClassVar[int] = 1
    TOPIC: ClassVar[str] = topics.DELIVERY_STATUS

    message_sid: str
    message_status: str
    recipient: str
    account_sid: str | None = None
    error_code: str | None = None
    error_message: str | None = None
    extra: dict[str, str] = Field(default_factory=dict)

    def key(self) -> str:
        return self.recipient


class DeliveryStatusV2(DeliveryStatus):
    """Version 2 adds the reply the message belongs to, which the messenger puts in the status
    callback's URL. Consumers read both versions."""

    VERSION: ClassVar[int] = 2

    reply_id: str | None = Field(
        default=None,
        max_length=100,
        description="The reply this message is (a part of); None for callbacks without it.",
    )


def reply_id_for(message_sid: str) -> str:
    """The reply to a customer's message: one per inbound MessageSid, so a redelivered message
    asks for the same reply (the messenger's send ledger is keyed by it)."""
    return f"{message_sid}:reply"


def answered_message(reply_id: str) -> str | None:
    """The customer's MessageSid a reply answers (`reply_id_for`'s inverse); None for the
    business's own messages (a feedback request's template)."""
    return reply_id.removesuffix(":reply") if reply_id.endswith(":reply") else None


class ReplyRequested(Event):
    """The analyzer asks for one WhatsApp message to be sent to a customer."""

    TYPE: ClassVar[str] = "feedback.reply-requested"
    VERSION: ClassVar[int] = 1
    TOPIC: ClassVar[str] = topics.REPLY_REQUESTS

    reply_id: str = Field(description="Deterministic per inbound message: the send's natural key.")
    session_id: str
    recipient: str
    body: str

    def key(self) -> str:
        return self.recipient


class ReplyRequestedV2(ReplyRequested):
    """Version 2 adds when the customer's message it answers reached us, from which WhatsApp's
    24-hour window for free-form replies runs. Consumers read both versions."""

    VERSION: ClassVar[int] = 2

    customer_message_at: datetime = Field(
        description="When the customer's message this replies to reached ingress."
    )


class FeedbackRequested(Event):
    """The business asks a customer for feedback (after a purchase or a delivery): the
    analyzer opens a session, with the product when known, and asks for the template."""

    TYPE: ClassVar[str] = "feedback.feedback-requested"
    VERSION: ClassVar[int] = 1
    TOPIC: ClassVar[str] = topics.FEEDBACK_REQUESTS

    request_id: str = Field(
        description="Deterministic per recipient and order: a duplicate "
        "request has the same id and sends once."
    )
    recipient: str
    product_name: str | None = Field(default=None, max_length=300)
    order_ref: str | None = Field(default=None, max_length=100)

    def key(self) -> str:
        return self.recipient


class TemplateRequested(Event):
    """The analyzer asks for an approved WhatsApp template (Twilio's ContentSid and
    ContentVariables) to be sent: the only message WhatsApp allows outside the 24-hour window.
    On the reply-requests topic, so a customer's sends stay in order."""

    TYPE: ClassVar[str] = "feedback.template-requested"
    VERSION: ClassVar[int] = 1
    TOPIC: ClassVar[str] = topics.REPLY_REQUESTS

    reply_id: str
    session_id: str
    recipient: str
    content_sid: str = Field(pattern=r"^HX[0-9a-fA-F]{32}$")
    content_variables: dict[str, str] = Field(default_factory=dict)
    preview: str = Field(description="The template's text as the customer reads it, for logs.")

    def key(self) -> str:
        return self.recipient
