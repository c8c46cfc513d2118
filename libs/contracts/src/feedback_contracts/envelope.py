"""The envelope every event travels in: CloudEvents attributes plus correlation."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import ClassVar

from pydantic import BaseModel, ConfigDict, Field


class Event(BaseModel):
    """Base of every event payload; subclasses name their type, version and topic."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    TYPE: ClassVar[str]
    VERSION: ClassVar[int]
    TOPIC: ClassVar[str]

    @classmethod
    def event_type(cls) -> str:
        """The versioned CloudEvents type, e.g. `feedback.inbound-message.v1`."""
        return f"{cls.TYPE}.v{cls.VERSION}"

    def key(self) -> str:
        """The Kafka key: the customer's WhatsApp id, so a conversation stays ordered."""
        raise NotImplementedError


class Envelope(BaseModel):
    """CloudEvents context attributes around one event payload."""

    model_config = ConfigDict(frozen=True)

    id: str = Field(default_factory=lambda: str(uuid.uuid4()))
    type: str
    source: str
    time: datetime = Field(default_factory=lambda: datetime.now(UTC))
    subject: str
    correlation_id: str
    causation_id: str | None = None
    data: Event

    @classmethod
    def wrap(
        cls,
        data: Event,
        *,
        source: str,
        correlation_id: str,
        causation_id: str | None = None,
    ) -> Envelope:
        """Put a payload in a new envelope keyed by the payload's customer id."""
        return cls(
            type=data.event_type(),
            source=source,
            subject=data.key(),
            correlation_id=correlation_id,
            causation_id=causation_id,
            data=data,
        )

    def follow(self, data: Event, *, source: str) -> Envelope:
        """An envelope for an event caused by this one: same correlation, causation = our id."""
        return Envelope.wrap(
            data, source=source, correlation_id=self.correlation_id, causation_id=self.id
        )
