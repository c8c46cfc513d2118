"""Every event of the feedback flow, one pydantic model each."""

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


def reply_id_for(message_sid: str) -> str:
    """The reply to a customer's message: one per inbound MessageSid, so a redelivered message
    asks for the same reply (the messenger's send ledger is keyed by it)."""
    return f"{message_sid}:reply"


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


class ReplySent(Event):
    """Twilio accepted every part of a reply."""

    TYPE: ClassVar[str] = "feedback.reply-sent"
    VERSION: ClassVar[int] = 1
    TOPIC: ClassVar[str] = topics.REPLY_OUTCOMES

    reply_id: str
    recipient: str
    twilio_message_sids: list[str]

    def key(self) -> str:
        return self.recipient


class ReplyFailed(Event):
    """A reply that will not be sent; `permanent` says retrying cannot help."""

    TYPE: ClassVar[str] = "feedback.reply-failed"
    VERSION: ClassVar[int] = 1
    TOPIC: ClassVar[str] = topics.REPLY_OUTCOMES

    reply_id: str
    recipient: str
    error_code: str
    error_message: str
    permanent: bool

    def key(self) -> str:
        return self.recipient


class MediaReference(BaseModel):
    """A customer's media item that belongs to a completed feedback."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    message_sid: str
    media_sid: str
    url: str
    content_type: str


class FeedbackCompleted(Event):
    """The conversation has what it needs: product, feedback and any media."""

    TYPE: ClassVar[str] = "feedback.feedback-completed"
    VERSION: ClassVar[int] = 1
    TOPIC: ClassVar[str] = topics.FEEDBACK_COMPLETED

    session_id: str
    sender_id: str
    product_name: str
    feedback_text: str
    media: list[MediaReference] = Field(default_factory=list)
    completed_at: datetime

    def key(self) -> str:
        return self.sender_id


class LlmUsage(BaseModel):
    """What the LLM cost for one feedback session: its tokens and their estimated price."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    model: str | None = Field(description="The LLM; null when the offline analyzer answered.")
    input_tokens: int = Field(ge=0)
    output_tokens: int = Field(ge=0)
    estimated_cost_usd: float = Field(ge=0)


class FeedbackCompletedV2(FeedbackCompleted):
    """Version 2 adds what the session's LLM calls cost. A new version, not an edit of v1,
    because v1 readers refuse unknown fields: consumers take both, so deploy them first."""

    VERSION: ClassVar[int] = 2

    llm_usage: LlmUsage


class MediaStored(Event):
    """The outcome of copying one media item to S3: stored, or refused with a reason."""

    TYPE: ClassVar[str] = "feedback.media-stored"
    VERSION: ClassVar[int] = 1
    TOPIC: ClassVar[str] = topics.MEDIA_STORED

    session_id: str
    sender_id: str
    message_sid: str
    media_sid: str
    status: Literal["stored", "refused"]
    s3_uri: str | None = None
    content_type: str | None = None
    size_bytes: int | None = None
    sha256: str | None = None
    reason: str | None = None

    def key(self) -> str:
        return self.sender_id


class FeedbackTagged(Event):
    """What one feedback is about, by the business's taxonomy: its topics, a sentiment and a
    one-line summary. A re-tag after the taxonomy changed carries a higher taxonomy version."""

    TYPE: ClassVar[str] = "feedback.feedback-tagged"
    VERSION: ClassVar[int] = 1
    TOPIC: ClassVar[str] = topics.FEEDBACK_TAGGED

    session_id: str
    sender_id: str
    topics: list[str] = Field(description="Labels of the taxonomy's active topics; may be empty.")
    sentiment: Literal["positive", "negative", "neutral", "mixed"]
    summary: str = Field(max_length=300)
    tagger: str = Field(description="Which tagger: `offline`, or the LLM's model.")
    taxonomy_version: int = Field(ge=0, description="The taxonomy the tags come from.")

    def key(self) -> str:
        return self.sender_id


class TopicProposal(BaseModel):
    """A topic the LLM tagger would add to the taxonomy, for the owner to accept or not."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    label: str = Field(min_length=1, max_length=80)
    description: str = Field(default="", max_length=500)


class FeedbackTaggedV2(FeedbackTagged):
    """Version 2 adds the topic the LLM tagger proposes when none of the taxonomy fits. A new
    version, not an edit of v1, because v1 readers refuse unknown fields."""

    VERSION: ClassVar[int] = 2

    proposal: TopicProposal | None = None


class TagRequested(Event):
    """A stored feedback to tag (again): the backfill after the taxonomy changed."""

    TYPE: ClassVar[str] = "feedback.tag-requested"
    VERSION: ClassVar[int] = 1
    TOPIC: ClassVar[str] = topics.TAG_REQUESTS

    session_id: str
    sender_id: str
    feedback_text: str
    taxonomy_version: int = Field(ge=0, description="Tag with this taxonomy or a newer one.")
    job_id: int = Field(description="The backfill job that asked.")

    def key(self) -> str:
        return self.sender_id


ERASURE_STEPS = ("conversations", "messaging", "media", "records")
"""What an erasure waits for, and who does it: the analyzer's sessions and chats, the
messenger's send ledger, opt-outs and Twilio's copies, media's S3 objects, persistence's rows."""
ErasureStep = Literal["conversations", "messaging", "media", "records"]


class ErasureRequested(Event):
    """The business asked to forget a customer: every service erases what it holds of them."""

    TYPE: ClassVar[str] = "feedback.erasure-requested"
    VERSION: ClassVar[int] = 1
    TOPIC: ClassVar[str] = topics.ERASURE_REQUESTS

    erasure_id: str
    sender_id: str
    media_uris: list[str] = Field(
        default_factory=list,
        description="The customer's S3 objects persistence knows of, older key layouts too.",
    )

    def key(self) -> str:
        return self.sender_id


class ErasureStepDone(Event):
    """One service erased what it held of the customer; `erased` counts it by kind."""

    TYPE: ClassVar[str] = "feedback.erasure-step-done"
    VERSION: ClassVar[int] = 1
    TOPIC: ClassVar[str] = topics.ERASURE_PROGRESS

    erasure_id: str
    step: ErasureStep
    erased: dict[str, int] = Field(default_factory=dict)

    def key(self) -> str:
        return self.erasure_id


EVENT_TYPES: dict[str, type[Event]] = {
    cls.event_type(): cls
    for cls in (
        InboundMessage,
        DeliveryStatus,
        ReplyRequested,
        ReplyRequestedV2,
        FeedbackRequested,
        TemplateRequested,
        ReplySent,
        ReplyFailed,
        FeedbackCompleted,
        FeedbackCompletedV2,
        MediaStored,
        FeedbackTagged,
        FeedbackTaggedV2,
        TagRequested,
        ErasureRequested,
        ErasureStepDone,
    )
}
