"""Publishing events: the port every service writes to (Kafka: `kafka_publisher.py`)."""

from __future__ import annotations

from typing import Protocol

from feedback_contracts import Envelope


class PublishError(RuntimeError):
    """The event is not durably in Kafka; the caller must not acknowledge its input."""


class Publisher(Protocol):
    """Where services put events."""

    async def publish(self, envelope: Envelope) -> None: ...
