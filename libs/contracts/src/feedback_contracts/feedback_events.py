"""The feedback's events: completed, its media stored, tagged."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field

from feedback_contracts import topics
from feedback_contracts.envelope import Event


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


class FeedbackCompletedV3(FeedbackCompletedV2):
    """Version 3 adds the customer's 1-5 rating, when they gave one (never a guess)."""

    VERSION: ClassVar[int] = 3

    rating: int | None = Field(default=None, ge=1, le=5, description="1-5; null: none given.")


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


class FeedbackTaggedV3(FeedbackTaggedV2):
    """Version 3 adds the language the tagger read the feedback in, and whether it could: a
    feedback in a language the tagger cannot read gets no topic, and the owner is told why."""

    VERSION: ClassVar[int] = 3

    language: str | None = Field(
        default=None, max_length=8, description="ISO 639-1, as the tagger read it, if it knows."
    )
    language_understood: bool = Field(
        default=True, description="False: the tagger cannot read the language (no topic)."
    )


class FeedbackTaggedV4(FeedbackTaggedV3):
    """Version 4 carries what the feedback says (its product, the customer's words and rating)
    and whether it is new: an alert needs them, and a backfill's re-tag of old feedback is not
    news."""

    VERSION: ClassVar[int] = 4

    product_name: str | None = Field(default=None, description="Null on a re-tag.")
    feedback_text: str
    rating: int | None = Field(
        default=None, ge=1, le=5, description="The customer's 1-5 rating; null: none, or a re-tag."
    )
    retag: bool = Field(
        default=False, description="True: a taxonomy change's backfill, not a new feedback."
    )


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
