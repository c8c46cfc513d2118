"""Write what the events say; each write is idempotent on its natural key."""

from __future__ import annotations

import asyncio
import logging

from feedback_contracts import (
    DeliveryStatus,
    Envelope,
    ErasureRequested,
    ErasureStepDone,
    FeedbackCompleted,
    FeedbackTagged,
    MediaStored,
    ReplyFailed,
    ReplySent,
)
from persistence.records import FeedbackRecords
from persistence.replies import AskedReply
from service_runtime.batching import Batcher

log = logging.getLogger(__name__)


async def handle_feedback_completed(
    completed: FeedbackCompleted, envelope: Envelope, *, store: FeedbackRecords
) -> None:
    """The Feedback row for a completed session."""
    await asyncio.to_thread(store.save_completed, completed)


async def handle_media_stored(
    stored: MediaStored, envelope: Envelope, *, store: FeedbackRecords
) -> None:
    """A media outcome, attached to its Feedback row."""
    await asyncio.to_thread(store.save_media, stored)


async def handle_feedback_tagged(
    tagged: FeedbackTagged, envelope: Envelope, *, store: FeedbackRecords
) -> None:
    """A feedback's topics, sentiment and summary from the insights service."""
    await asyncio.to_thread(store.save_tags, tagged)


async def handle_reply_sent(sent: ReplySent, envelope: Envelope) -> None:
    """Nothing: Twilio's callbacks bring a sent reply's statuses, and a write per reply sent
    cost the pipeline benchmark its latency target (p50 96-234 ms -> 614-891 ms at 110/s)."""


async def handle_reply_requested(
    asked: AskedReply, envelope: Envelope, *, replies: Batcher[AskedReply, None]
) -> None:
    """A reply the messenger is asked to send: its text, for `GET /replies`. Written together
    with the others asked for meanwhile (`Batcher`): one insert per reply cost the pipeline
    benchmark its latency target (see `handle_reply_sent`)."""
    await replies.submit([asked])


def replies_writer(store: FeedbackRecords) -> Batcher[AskedReply, None]:
    """The inserts of the replies asked for, up to 500 a statement."""

    def write(asked: list[AskedReply]) -> list[None]:
        store.save_replies_asked(asked)
        return [None] * len(asked)

    return Batcher(write, limit=500)


async def handle_reply_failed(
    failed: ReplyFailed, envelope: Envelope, *, store: FeedbackRecords
) -> None:
    """A reply that failed, and why, kept with the delivery statuses."""
    await asyncio.to_thread(store.save_reply_failed, failed)


async def handle_delivery_status(
    status: DeliveryStatus, envelope: Envelope, *, store: FeedbackRecords
) -> None:
    """Twilio's status callback for a message sent."""
    await asyncio.to_thread(store.save_delivery_status, status)


async def handle_erasure_requested(
    requested: ErasureRequested, envelope: Envelope, *, store: FeedbackRecords
) -> None:
    """Persistence's step of an erasure: the customer's rows, recorded in the same transaction."""
    counts = await asyncio.to_thread(store.erase_records, requested.erasure_id, requested.sender_id)
    log.info("erased the customer's records", extra={"erasure_id": requested.erasure_id, **counts})


async def handle_erasure_step_done(
    done: ErasureStepDone, envelope: Envelope, *, store: FeedbackRecords
) -> None:
    """Another service's step; the erasure completes with the last one."""
    known = await asyncio.to_thread(
        store.record_erasure_step, done.erasure_id, done.step, dict(done.erased)
    )
    if not known:
        log.warning("a step of an unknown erasure", extra={"erasure_id": done.erasure_id})
