"""Write what the events say; each write is idempotent on its natural key."""

from __future__ import annotations

import asyncio

from feedback_contracts import Envelope, FeedbackCompleted, MediaStored
from persistence.store import FeedbackStore
from service_runtime.consuming import PermanentError


async def handle_feedback_completed(envelope: Envelope, *, store: FeedbackStore) -> None:
    """The Feedback row for a completed session."""
    if not isinstance(envelope.data, FeedbackCompleted):
        raise PermanentError(f"unexpected event {envelope.type}")
    await asyncio.to_thread(store.save_completed, envelope.data)


async def handle_media_stored(envelope: Envelope, *, store: FeedbackStore) -> None:
    """A media outcome, attached to its Feedback row."""
    if not isinstance(envelope.data, MediaStored):
        raise PermanentError(f"unexpected event {envelope.type}")
    await asyncio.to_thread(store.save_media, envelope.data)
