"""Write what the events say; each write is idempotent on its natural key."""

from __future__ import annotations

import asyncio

from feedback_contracts import (
    DeliveryStatus,
    Envelope,
    FeedbackCompleted,
    MediaStored,
    ReplyFailed,
    ReplySent,
)
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


async def handle_reply_outcome(envelope: Envelope, *, store: FeedbackStore) -> None:
    """A reply sent (its Twilio messages) or failed (why), kept with the delivery statuses."""
    if not isinstance(envelope.data, ReplySent | ReplyFailed):
        raise PermanentError(f"unexpected event {envelope.type}")
    await asyncio.to_thread(store.save_reply_outcome, envelope.data)


async def handle_delivery_status(envelope: Envelope, *, store: FeedbackStore) -> None:
    """Twilio's status callback for a message sent."""
    if not isinstance(envelope.data, DeliveryStatus):
        raise PermanentError(f"unexpected event {envelope.type}")
    await asyncio.to_thread(store.save_delivery_status, envelope.data)
