"""Copy every media item of a completed feedback and publish what happened to each."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

from feedback_contracts import (
    Envelope,
    ErasureRequested,
    ErasureStepDone,
    FeedbackCompleted,
    MediaReference,
    MediaStored,
)
from media.copying import copy_media_to_s3, customer_prefix
from media.safety import MediaRefused
from media.sink import MediaSink
from media.source import MediaSource
from service_runtime.publishing import Publisher

log = logging.getLogger(__name__)
SOURCE = "feedback-intelligence/media"


@dataclass(frozen=True)
class MediaCopier:
    """The adapters the handler needs, wired by the composition root."""

    source: MediaSource
    sink: MediaSink
    publisher: Publisher
    # Handlers of different customers run side by side; copies beyond what the uploader serves
    # at once would hold their Twilio downloads open, idle, toward the read timeout.
    copies: asyncio.Semaphore
    delete_after_copy: bool = False


async def handle_feedback_completed(
    completed: FeedbackCompleted, envelope: Envelope, *, deps: MediaCopier
) -> None:
    """One media-stored event per item: stored with its S3 URI, or refused with the reason."""
    for media in completed.media:
        async with deps.copies:
            stored = await asyncio.to_thread(_copy, media, completed.sender_id, deps)
        event = MediaStored(
            session_id=completed.session_id,
            sender_id=completed.sender_id,
            message_sid=media.message_sid,
            media_sid=media.media_sid,
            **stored,
        )
        await deps.publisher.publish(envelope.follow(event, source=SOURCE))


def _copy(media: MediaReference, customer: str, deps: MediaCopier) -> dict[str, object]:
    try:
        stored = copy_media_to_s3(media, customer=customer, source=deps.source, sink=deps.sink)
    except MediaRefused as refused:
        log.warning("media refused", extra={"media_sid": media.media_sid, "reason": str(refused)})
        return {"status": "refused", "reason": str(refused), "content_type": media.content_type}
    if deps.delete_after_copy:
        deps.source.delete(media.url)
    return {
        "status": "stored",
        "s3_uri": stored.uri,
        "content_type": stored.content_type,
        "size_bytes": stored.size,
        "sha256": stored.sha256,
    }


async def handle_erasure_requested(
    requested: ErasureRequested, envelope: Envelope, *, deps: MediaCopier
) -> None:
    """Media's step of an erasure: every object under the customer's prefix, and those
    persistence knew of under older key layouts."""
    count = await asyncio.to_thread(
        deps.sink.erase, customer_prefix(requested.sender_id), requested.media_uris
    )
    done = ErasureStepDone(
        erasure_id=requested.erasure_id, step="media", erased={"s3_objects": count}
    )
    log.info("erased the customer's media", extra={"erasure_id": requested.erasure_id})
    await deps.publisher.publish(envelope.follow(done, source=SOURCE))
