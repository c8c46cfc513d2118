"""Feedback rows: idempotent writes whatever order the events arrive in, and reads."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, sessionmaker

from feedback_contracts import (
    DeliveryStatus,
    FeedbackCompleted,
    FeedbackTagged,
    MediaStored,
    ReplyFailed,
)
from persistence import deliveries, erasure, taxonomy
from persistence.adapters.sql_backfill import _SqlBackfill
from persistence.adapters.sql_reads import _SqlReads
from persistence.models import Feedback, StoredMedia, Topic
from persistence.records import Taxonomy, llm_usage, rating
from persistence.replies import ReplyDelivery, ReplyRecord


class FeedbackStore(_SqlBackfill, _SqlReads):
    """PostgreSQL (or SQLite locally) through one SQLAlchemy engine."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions
        self._lease: sa.Connection | None = None

    def save_completed(self, event: FeedbackCompleted) -> None:
        """One row per session; media already stored for it fills `media_urls`."""
        with self._sessions.begin() as db:
            _lock_session(db, event.session_id)
            values = {
                "session_id": event.session_id,
                "sender_id": event.sender_id,
                "product_name": event.product_name,
                "feedback_text": event.feedback_text,
                "media_urls": [],
                "completed_at": event.completed_at,
                **llm_usage(event),
                **rating(event),
            }
            db.execute(_insert_ignoring_duplicates(db, Feedback, values, "session_id"))
            _refresh_media_urls(db, event.session_id)

    def save_media(self, event: MediaStored) -> None:
        """Remember the media; attach its URI when the feedback row exists (or later)."""
        with self._sessions.begin() as db:
            _lock_session(db, event.session_id)
            values = {
                "media_sid": event.media_sid,
                "session_id": event.session_id,
                "sender_id": event.sender_id,
                "message_sid": event.message_sid,
                "status": event.status,
                "s3_uri": event.s3_uri,
                "content_type": event.content_type,
                "size_bytes": event.size_bytes,
                "sha256": event.sha256,
                "reason": event.reason,
            }
            db.execute(_insert_ignoring_duplicates(db, StoredMedia, values, "media_sid"))
            _refresh_media_urls(db, event.session_id)

    def save_reply_failed(self, event: ReplyFailed) -> None:
        """A reply the messenger did not send, and why."""
        with self._sessions.begin() as db:
            deliveries.record_failed(db, event)

    def save_delivery_status(self, event: DeliveryStatus) -> None:
        """Twilio's status callback, applied only when it moves the message forward."""
        with self._sessions.begin() as db:
            deliveries.record_status(db, event)

    def save_tags(self, event: FeedbackTagged) -> None:
        """A feedback's tags, unless those stored come from a newer taxonomy."""
        with self._sessions.begin() as db:
            taxonomy.save_tags(db, event)
            taxonomy.record_proposal(db, event)

    def proposals(self) -> list[taxonomy.ProposalView]:
        """The open topic proposals, most mentioned first."""
        with self._sessions() as db:
            return taxonomy.proposals(db)

    def settle_proposal(self, proposal_id: int, *, accept: bool) -> bool:
        """Accept or dismiss an open proposal; False when there is no open one with that id."""
        with self._sessions.begin() as db:
            return taxonomy.settle_proposal(db, proposal_id, accept=accept) is not None

    def taxonomy(self) -> Taxonomy:
        """Every topic and the taxonomy's version."""
        with self._sessions() as db:
            return Taxonomy(taxonomy.version(db), taxonomy.topics(db))

    def create_topic(self, *, label: str, description: str) -> Topic:
        """A new active topic; `TopicExists` when the label is taken."""
        with self._sessions.begin() as db:
            return taxonomy.create(db, label=label, description=description)

    def change_topic(
        self,
        topic_id: int,
        *,
        label: str | None = None,
        description: str | None = None,
        active: bool | None = None,
    ) -> Topic | None:
        """Rename, describe, (de)activate a topic; None when there is none with that id."""
        with self._sessions.begin() as db:
            return taxonomy.change(
                db, topic_id, label=label, description=description, active=active
            )

    def save_replies(self, records: Sequence[ReplyRecord]) -> None:
        """Replies the messenger sent or failed to send: their texts, once each."""
        with self._sessions.begin() as db:
            deliveries.record_replies(db, records)

    def deliveries(self, recipient: str, limit: int = 50) -> list[ReplyDelivery]:
        """A customer's newest outbound messages and their statuses."""
        with self._sessions() as db:
            return deliveries.deliveries_of(db, recipient, limit)

    def start_erasure(self, sender_id: str) -> erasure.Started:
        """The customer's running erasure, or a new one, and the S3 objects known to be theirs."""
        with self._sessions.begin() as db:
            return erasure.start(db, sender_id)

    def erase_records(self, erasure_id: str, sender_id: str) -> dict[str, int]:
        """Delete the customer's rows and record the step, in one transaction."""
        with self._sessions.begin() as db:
            return erasure.erase_records(db, erasure_id, sender_id)

    def record_erasure_step(self, erasure_id: str, step: str, counts: dict[str, int]) -> bool:
        """Another service's step; False for an erasure this database does not know."""
        with self._sessions.begin() as db:
            return erasure.record_step(db, erasure_id, step, counts)

    def find_erasure(self, erasure_id: str) -> erasure.ErasureView | None:
        """One erasure's audit record."""
        with self._sessions() as db:
            row = db.get(erasure.Erasure, erasure_id)
            return erasure.view(row) if row is not None else None


def _lock_session(db: Session, session_id: str) -> None:
    """One writer per session at a time (a transaction-scoped advisory lock), so a
    feedback-completed and a media-stored written at the same moment each see the other's
    committed row; without it, each could miss the other's uncommitted one and the row would
    keep `media_urls = []`. SQLite has one writer at a time anyway."""
    if db.get_bind().dialect.name == "postgresql":
        key = sa.func.hashtextextended(session_id, 0)
        db.execute(sa.select(sa.func.pg_advisory_xact_lock(key)))


def _insert_ignoring_duplicates(
    db: Session, model: type[Any], values: dict[str, Any], key: str
) -> sa.Executable:
    if db.get_bind().dialect.name == "postgresql":
        return (
            postgresql.insert(model).values(**values).on_conflict_do_nothing(index_elements=[key])
        )
    return sqlite.insert(model).values(**values).on_conflict_do_nothing(index_elements=[key])


def _refresh_media_urls(db: Session, session_id: str) -> None:
    uris = db.scalars(
        sa.select(StoredMedia.s3_uri)
        .where(StoredMedia.session_id == session_id, StoredMedia.status == "stored")
        .order_by(StoredMedia.s3_uri)
    ).all()
    db.execute(
        sa.update(Feedback)
        .where(Feedback.session_id == session_id)
        .values(media_urls=[uri for uri in uris if uri])
    )
