"""The re-tag jobs in SQL: opened on a taxonomy change, stepped through in batches, finished."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from persistence.backfill import Batch
from persistence.models import Feedback, Job, JobConfig, JobStatus


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
