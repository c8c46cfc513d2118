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

import sqlalchemy as sa
from sqlalchemy.orm import Session

from feedback_contracts import Envelope, TagRequested
from persistence.models import Feedback, Job, JobConfig, JobStatus
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


def open_retag_job(db: Session, taxonomy_version: int) -> Job:
    """A job to re-tag every row with this taxonomy; running ones are superseded."""
    running = db.scalars(sa.select(Job).where(Job.status == JobStatus.processing)).all()
    for job in running:
        job.status = JobStatus.failed  # superseded: the newer taxonomy re-tags every row
    job = Job(job_name="retag", last_processed_id=0, status=JobStatus.processing)
    db.add(job)
    db.flush()
    db.add(JobConfig(id=job.id, config={"kind": "retag", "taxonomy_version": taxonomy_version}))
    return job


def next_batch(db: Session, limit: int) -> Batch | None:
    """The newest open job's next rows, or None when no job is open."""
    job = db.scalar(
        sa.select(Job).where(Job.status == JobStatus.processing).order_by(Job.id.desc()).limit(1)
    )
    if job is None:
        return None
    config = db.get(JobConfig, job.id)
    version = int(config.config["taxonomy_version"]) if config else 0
    rows = db.scalars(
        sa.select(Feedback)
        .where(Feedback.id > (job.last_processed_id or 0))
        .order_by(Feedback.id)
        .limit(limit)
    ).all()
    return Batch(job.id, version, rows)


def advance(db: Session, job_id: int, last_processed_id: int) -> None:
    """Record the rows up to `last_processed_id` as requested."""
    db.execute(
        sa.update(Job)
        .where(Job.id == job_id, Job.status == JobStatus.processing)
        .values(last_processed_id=last_processed_id)
    )


def finish(db: Session, job_id: int) -> None:
    """Every row was requested."""
    db.execute(
        sa.update(Job)
        .where(Job.id == job_id, Job.status == JobStatus.processing)
        .values(status=JobStatus.completed)
    )


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
