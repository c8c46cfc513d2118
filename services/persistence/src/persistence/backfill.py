"""Re-tagging every stored feedback after the taxonomy changed, as a resumable job.

A taxonomy change opens a `Job` (its `JobConfig` holds the taxonomy version) in the same
transaction, and supersedes any job still running. One persistence replica at a time (the
holder of a PostgreSQL advisory lock) works the newest open job: it reads the rows after
`last_processed_id` in id order, publishes a tag request for each, and only once Kafka has
acknowledged them moves `last_processed_id` past them. A crash resumes after the last batch
acknowledged: at most one batch is requested twice, which tagging absorbs.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from feedback_contracts import Envelope, TagRequested
from persistence.models import Feedback
from service_runtime.publishing import Publisher

log = logging.getLogger(__name__)
SOURCE = "feedback-intelligence/persistence"


@dataclass(frozen=True)
class Batch:
    """The next rows of a job to request tags for."""

    job_id: int
    taxonomy_version: int
    rows: Sequence[Feedback]


@dataclass(frozen=True)
class BackfillPolicy:
    """How big a batch is, and how long to rest between batches and when idle."""

    batch: int = 200
    pause_s: float = 0.0
    idle_s: float = 2.0


class BackfillStore(Protocol):
    """What the backfill asks of the records."""

    def hold_backfill_lease(self) -> bool: ...

    def next_batch(self, limit: int) -> Batch | None: ...

    def advance_job(self, job_id: int, last_processed_id: int) -> None: ...

    def finish_job(self, job_id: int) -> None: ...


async def run_backfill(
    store: BackfillStore, publisher: Publisher, policy: BackfillPolicy, stopping: asyncio.Event
) -> None:
    """Work open jobs until `stopping` is set; a failure (a store or Kafka away) is waited out."""
    while not stopping.is_set():
        try:
            worked = await _one_batch(store, publisher, policy)
        except Exception as error:  # the next round tries again from the recorded progress
            log.warning("backfill batch failed (%s); retrying", type(error).__name__)
            worked = False
        await _rest(stopping, policy.pause_s if worked else policy.idle_s)


async def _one_batch(store: BackfillStore, publisher: Publisher, policy: BackfillPolicy) -> bool:
    if not await asyncio.to_thread(store.hold_backfill_lease):
        return False
    batch = await asyncio.to_thread(store.next_batch, policy.batch)
    if batch is None:
        return False
    if not batch.rows:
        await asyncio.to_thread(store.finish_job, batch.job_id)
        log.info("backfill finished", extra={"job_id": batch.job_id})
        return True
    await asyncio.gather(*(publisher.publish(_request(batch, row)) for row in batch.rows))
    await asyncio.to_thread(store.advance_job, batch.job_id, batch.rows[-1].id)
    return True


def _request(batch: Batch, row: Feedback) -> Envelope:
    event = TagRequested(
        session_id=row.session_id,
        sender_id=row.sender_id,
        feedback_text=row.feedback_text,
        taxonomy_version=batch.taxonomy_version,
        job_id=batch.job_id,
    )
    return Envelope.wrap(event, source=SOURCE, correlation_id=f"retag-{batch.job_id}-{row.id}")


async def _rest(stopping: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stopping.wait(), timeout=seconds)
