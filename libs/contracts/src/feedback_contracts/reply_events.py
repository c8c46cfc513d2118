"""How the replies the messenger was asked to send went, and what each was."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from pydantic import BaseModel, ConfigDict, Field

from feedback_contracts import topics
from feedback_contracts.envelope import Event


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


class ReplyText(BaseModel):
    """What a reply said, and what it answered: for the business's record of its replies."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    text: str = Field(description="The reply's text; a template's as the customer reads it.")
    template_sid: str | None = Field(default=None, description="The template's ContentSid.")
    customer_message_at: datetime | None = Field(
        default=None, description="When the customer's message it answers reached us."
    )


class ReplySentV2(ReplySent):
    """Version 2 adds what the reply said, so that the business's record of its replies
    needs no read of the requests topic. Consumers read both versions."""

    VERSION: ClassVar[int] = 2

    reply: ReplyText | None = None


class ReplyFailedV2(ReplyFailed):
    """Version 2 adds what the reply would have said. Consumers read both versions."""

    VERSION: ClassVar[int] = 2

    reply: ReplyText | None = None
