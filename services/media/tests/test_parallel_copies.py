"""Completed feedbacks of different customers run side by side; their copies are bounded."""

from __future__ import annotations

import asyncio
import threading
import time
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest

from feedback_contracts import Envelope, FeedbackCompleted, MediaReference
from media.handlers import MediaCopier, handle_feedback_completed
from media.sink import StoredObject
from media.source import Download
from service_runtime.recording_publisher import RecordingPublisher
from service_runtime.routing import unwrap

pytestmark = pytest.mark.unit


@dataclass
class StoredAlready:
    """A sink that finds every object stored, counting the lookups under way at once."""

    running: int = 0
    most: int = 0

    def __post_init__(self) -> None:
        self._lock = threading.Lock()

    def find(self, key: str) -> StoredObject | None:
        with self._lock:
            self.running += 1
            self.most = max(self.most, self.running)
        time.sleep(0.05)  # the copy's work, in its worker thread
        with self._lock:
            self.running -= 1
        return StoredObject("bucket", key, "image/jpeg", 3, "abc")

    def write(self, key: str, content_type: str, chunks: object) -> StoredObject:
        raise AssertionError("already stored")


class Unused:
    def open(self, url: str) -> AbstractContextManager[Download]:
        raise AssertionError("already stored")

    def delete(self, url: str) -> None:
        raise AssertionError("not asked to delete")


def completed(customer: int) -> Envelope:
    media = MediaReference(
        message_sid=f"MM{customer}", media_sid=f"ME{customer}", url="u", content_type="image/jpeg"
    )
    event = FeedbackCompleted(
        session_id=f"s{customer}",
        sender_id=f"whatsapp:+1555{customer:07d}",
        product_name="kettle",
        feedback_text="good",
        media=[media],
        completed_at=datetime.now(UTC),
    )
    return Envelope.wrap(event, source="analyzer", correlation_id=f"SM{customer}")


async def test_at_most_the_configured_copies_run_at_once() -> None:
    sink, publisher = StoredAlready(), RecordingPublisher()
    deps = MediaCopier(Unused(), sink, publisher, copies=asyncio.Semaphore(2))
    await asyncio.gather(
        *(handle_feedback_completed(*unwrap(completed(n)), deps=deps) for n in range(6))
    )
    assert sink.most == 2 and len(publisher.published) == 6
