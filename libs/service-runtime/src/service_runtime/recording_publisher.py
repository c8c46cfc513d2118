"""The publisher's fake for unit tests: it keeps every envelope it was given."""

from __future__ import annotations

from feedback_contracts import Envelope


class RecordingPublisher:
    """In-memory publisher for unit tests: keeps every envelope it was given."""

    def __init__(self) -> None:
        self.published: list[Envelope] = []

    async def publish(self, envelope: Envelope) -> None:
        self.published.append(envelope)

    def of_type(self, event_type: type) -> list[Envelope]:
        """The published envelopes whose payload is an instance of `event_type`."""
        return [item for item in self.published if isinstance(item.data, event_type)]
