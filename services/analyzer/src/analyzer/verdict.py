"""The verdict: what the conversation's analyzer (LLM or offline) decides about one turn."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field

Step = Literal["ask_product", "ask_feedback", "ask_rating", "ask_photo", "confirm", "done"]


def _every_field_required(schema: dict[str, Any]) -> None:
    # OpenAI's strict structured outputs want every property listed as required; a field with
    # a default (so that a model on an older prompt may leave it out) is still asked for.
    schema["required"] = list(schema["properties"])


class Verdict(BaseModel):
    """One strict JSON answer: the reply, the extraction and the moderation signals."""

    model_config = ConfigDict(extra="forbid", json_schema_extra=_every_field_required)

    reply: str = Field(description="The next WhatsApp message to the customer, under 1000 chars.")
    is_feedback_session_complete: bool = Field(
        description="True only when the customer confirmed product and feedback."
    )
    should_persist_reply: bool = Field(description="False for replies to unsafe/irrelevant input.")
    is_unsafe: bool = Field(description="Abusive, hateful, sexual, violent or illegal content.")
    is_irrelevant: bool = Field(description="Not about a product or this feedback conversation.")
    product_name: str | None = Field(description="The product, once the customer named it.")
    feedback: str | None = Field(description="The customer's opinion of the product so far.")
    media_urls: list[str] = Field(description="Media of this session to attach to the feedback.")
    rating: int | None = Field(
        default=None, description="The customer's own 1-5 rating, once they gave one; else null."
    )
    next_step: Step = Field(description="What the conversation needs next.")


class Turn(BaseModel):
    """One message of the conversation as the analyzer sees it."""

    model_config = ConfigDict(frozen=True)

    role: Literal["customer", "assistant"]
    text: str
    media_urls: tuple[str, ...] = ()
    transcribed: bool = False  # the text of a voice note, as the transcription model heard it


class Conversation(BaseModel):
    """What the analyzer is given: the state so far, recent turns, and the new message."""

    model_config = ConfigDict(frozen=True)

    product_name: str | None = None
    feedback: str | None = None
    session_media: tuple[str, ...] = ()
    step: Step = "ask_product"
    rating: int | None = None
    rating_asks: int = 0  # how often the rating was asked for already
    wants_rating: bool = True  # the business asks for a rating (a setting)
    history: tuple[Turn, ...] = ()
    message: Turn


@dataclass(frozen=True)
class Usage:
    """Tokens the LLM billed for a turn (zero for the offline analyzer), and seconds of voice
    notes transcribed."""

    input_tokens: int = 0
    output_tokens: int = 0
    audio_seconds: float = 0.0

    def __add__(self, other: Usage) -> Usage:
        return Usage(
            self.input_tokens + other.input_tokens,
            self.output_tokens + other.output_tokens,
            self.audio_seconds + other.audio_seconds,
        )


@dataclass(frozen=True)
class Decision:
    """A verdict and what it cost."""

    verdict: Verdict
    usage: Usage = Usage()


class VerdictUnavailable(Exception):
    """The analyzer could not produce a valid verdict for this turn (`usage` was still spent)."""

    def __init__(self, message: str, usage: Usage | None = None) -> None:
        super().__init__(message)
        self.usage = usage or Usage()


class VerdictSource(Protocol):
    """Anything that decides a turn."""

    async def decide(self, conversation: Conversation) -> Decision: ...
