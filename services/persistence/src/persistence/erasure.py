"""Erasing a customer: the audit record of each erasure and persistence's own step.

`DELETE /customers/{sender_id}` opens an erasure (or finds the one still running for that
customer) and publishes `erasure-requested`. Every service that holds the customer's data
erases it and reports `erasure-step-done` with its counts; persistence does its own step, its
rows, in one transaction with recording it. The erasure completes when every step of
`ERASURE_STEPS` has reported.

The record keeps no personal data: the customer's pseudonym (`subject_hash`), the times and
the counts. Each step is idempotent, and Kafka redelivers a request a crashed service did not
finish, so an erasure resumes where it stopped. A step reported twice keeps, per kind, the
larger count: a rerun after a finished step erases (and reports) nothing.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, Session, mapped_column

from feedback_contracts import ERASURE_STEPS
from feedback_contracts.customers import subject_hash
from persistence.deliveries import Delivery, Reply
from persistence.models import Base, Feedback, FeedbackTags, StoredMedia, TopicProposalMention

RUNNING, COMPLETED = "running", "completed"
Steps = dict[str, dict[str, int]]  # step -> kind of data -> how many were erased


class Erasure(Base):
    """One erasure of a customer: the audit record."""

    __tablename__ = "erasures"
    __table_args__ = (
        sa.Index(
            "ix_erasures_one_running",
            "subject_hash",
            unique=True,
            postgresql_where=sa.text("status = 'running'"),
            sqlite_where=sa.text("status = 'running'"),
        ),
    )

    id: Mapped[str] = mapped_column(sa.String(36), primary_key=True)
    subject_hash: Mapped[str] = mapped_column(sa.String(64), index=True)
    status: Mapped[str] = mapped_column(sa.String(16))
    requested_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    completed_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    steps: Mapped[dict[str, Any]] = mapped_column(sa.JSON(), default=dict)


@dataclass(frozen=True)
class ErasureView:
    """An erasure as the API reports it."""

    id: str
    subject_hash: str
    status: str
    requested_at: datetime
    completed_at: datetime | None
    steps: Steps = field(default_factory=dict)

    @property
    def pending(self) -> list[str]:
        """The steps that have not reported yet."""
        return [step for step in ERASURE_STEPS if step not in self.steps]


@dataclass(frozen=True)
class Started:
    """An erasure to (re)publish: the running one for the customer, or a new one."""

    erasure: ErasureView
    media_uris: list[str]


def merged(steps: Mapping[str, Mapping[str, int]], step: str, counts: Mapping[str, int]) -> Steps:
    """The steps with `step`'s counts added, the larger count per kind."""
    before = steps.get(step, {})
    kinds = {*before, *counts}
    after = {kind: max(int(before.get(kind, 0)), int(counts.get(kind, 0))) for kind in kinds}
    return {**{k: dict(v) for k, v in steps.items()}, step: dict(sorted(after.items()))}


def complete(steps: Mapping[str, object]) -> bool:
    """Every step has reported."""
    return all(step in steps for step in ERASURE_STEPS)


def view(row: Erasure) -> ErasureView:
    """The audit record as the API reports it."""
    return ErasureView(
        row.id, row.subject_hash, row.status, row.requested_at, row.completed_at, dict(row.steps)
    )


def start(db: Session, sender_id: str) -> Started:
    """The customer's running erasure, or a new one; with the S3 objects we know they have."""
    pseudonym = subject_hash(sender_id)
    running = sa.select(Erasure).where(Erasure.subject_hash == pseudonym, Erasure.status == RUNNING)
    row = db.scalars(running).first()
    if row is None:
        row = Erasure(
            id=str(uuid.uuid4()),
            subject_hash=pseudonym,
            status=RUNNING,
            requested_at=datetime.now(UTC),
            completed_at=None,
            steps={},
        )
        try:
            with db.begin_nested():  # a request racing this one may have opened it
                db.add(row)
        except sa.exc.IntegrityError:
            row = db.scalars(running).one()
    uris = db.scalars(
        sa.select(StoredMedia.s3_uri).where(_media_of(sender_id), StoredMedia.s3_uri.is_not(None))
    ).all()
    return Started(view(row), sorted({uri for uri in uris if uri}))


def erase_records(db: Session, erasure_id: str, sender_id: str) -> dict[str, int]:
    """Delete the customer's rows (feedback, its tags and proposal mentions, media, delivery
    statuses, the replies' texts) and record the step; the counts of what went."""
    sessions = sa.select(Feedback.session_id).where(Feedback.sender_id == sender_id)
    counts = {
        "feedback_tags": _delete(db, FeedbackTags, FeedbackTags.session_id.in_(sessions)),
        "proposal_mentions": _delete(
            db, TopicProposalMention, TopicProposalMention.session_id.in_(sessions)
        ),
        "stored_media": _delete(db, StoredMedia, _media_of(sender_id)),
        "deliveries": _delete(db, Delivery, Delivery.recipient == sender_id),
        "replies": _delete(db, Reply, Reply.recipient == sender_id),
    }
    counts["feedback"] = _delete(db, Feedback, Feedback.sender_id == sender_id)
    record_step(db, erasure_id, "records", counts)
    return counts


def record_step(db: Session, erasure_id: str, step: str, counts: Mapping[str, int]) -> bool:
    """A step's report; the erasure completes with the last one. False for an unknown id."""
    row = db.get(Erasure, erasure_id, with_for_update=True)
    if row is None:
        return False
    row.steps = merged(row.steps, step, counts)
    if row.status == RUNNING and complete(row.steps):
        row.status, row.completed_at = COMPLETED, datetime.now(UTC)
    return True


def _media_of(sender_id: str) -> sa.ColumnElement[bool]:
    """The customer's media rows: by sender, or (rows from before the column) by session."""
    sessions = sa.select(Feedback.session_id).where(Feedback.sender_id == sender_id)
    return sa.or_(StoredMedia.sender_id == sender_id, StoredMedia.session_id.in_(sessions))


def _delete(db: Session, model: type[Any], condition: sa.ColumnElement[bool]) -> int:
    result = db.execute(
        sa.delete(model).where(condition).execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)
