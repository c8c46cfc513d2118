"""The business's taxonomy (topics) and the tags each feedback gets from it; every change
opens a job that re-tags every stored feedback (backfill.py).

Every change of a topic (created, renamed, described, deactivated, activated) is a row of
`taxonomy_changes`; the newest id is the taxonomy's version, which the tags carry, so a tag
from an older taxonomy never overwrites one from a newer (a backfill and a live tag racing).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from feedback_contracts import FeedbackTagged, FeedbackTaggedV2
from persistence.adapters.sql_jobs import open_retag_job
from persistence.insights import tag_language
from persistence.models import (
    FeedbackTags,
    TaxonomyChange,
    Topic,
    TopicProposal,
    TopicProposalMention,
)


class TopicExists(Exception):
    """Another topic already has that label."""


def version(db: Session) -> int:
    """The taxonomy's version: the number of the newest change, 0 before any."""
    return int(db.scalar(sa.select(sa.func.max(TaxonomyChange.id))) or 0)


def topics(db: Session) -> list[Topic]:
    """Every topic, active or not, in the order they were created."""
    return list(db.scalars(sa.select(Topic).order_by(Topic.id)))


def create(db: Session, *, label: str, description: str) -> Topic:
    """A new active topic."""
    _refuse_taken(db, label, None)
    topic = Topic(label=label, description=description, is_active=True)
    with _label_unique(db):
        db.add(topic)
    db.add(TaxonomyChange(topic_id=topic.id, change="created"))
    db.flush()
    open_retag_job(db, version(db))
    return topic


def change(
    db: Session,
    topic_id: int,
    *,
    label: str | None = None,
    description: str | None = None,
    active: bool | None = None,
) -> Topic | None:
    """Rename, describe, deactivate or activate a topic; None when there is no such topic."""
    topic = db.get(Topic, topic_id, with_for_update=True)
    if topic is None:
        return None
    changes: list[str] = []
    if label is not None and label != topic.label:
        _refuse_taken(db, label, topic_id)
        with _label_unique(db):
            topic.label = label
        changes.append("renamed")
    if description is not None and description != topic.description:
        topic.description = description
        changes.append("described")
    if active is not None and active != topic.is_active:
        topic.is_active = active
        changes.append("activated" if active else "deactivated")
    db.add_all(TaxonomyChange(topic_id=topic_id, change=what) for what in changes)
    db.flush()
    if changes:
        open_retag_job(db, version(db))
    return topic


def save_tags(db: Session, event: FeedbackTagged) -> None:
    """Store the tags unless the ones stored come from a newer taxonomy."""
    row: dict[str, Any] = {
        "session_id": event.session_id,
        "topics": list(event.topics),
        "sentiment": event.sentiment,
        "summary": event.summary,
        "tagger": event.tagger[:100],
        "taxonomy_version": event.taxonomy_version,
        **tag_language(event),
    }
    statement = _insert(db)(FeedbackTags).values(**row)
    db.execute(
        statement.on_conflict_do_update(
            index_elements=["session_id"],
            set_={key: statement.excluded[key] for key in row if key != "session_id"}
            | {"tagged_at": sa.func.now()},
            where=FeedbackTags.taxonomy_version <= event.taxonomy_version,
        )
    )


@dataclass(frozen=True)
class ProposalView:
    """A proposal and how many feedbacks led to it."""

    id: int
    label: str
    description: str
    status: str
    mentions: int


def record_proposal(db: Session, event: FeedbackTagged) -> None:
    """Count the feedback toward the topic it proposes (once per feedback)."""
    if not isinstance(event, FeedbackTaggedV2) or event.proposal is None:
        return  # v1 events predate proposals
    proposal = event.proposal
    key = proposal.label.strip().lower()[:80]
    insert = _insert(db)
    db.execute(
        insert(TopicProposal)
        .values(label_key=key, label=proposal.label.strip()[:80], description=proposal.description)
        .on_conflict_do_nothing(index_elements=["label_key"])
    )
    proposal_id = db.scalar(sa.select(TopicProposal.id).where(TopicProposal.label_key == key))
    db.execute(
        insert(TopicProposalMention)
        .values(proposal_id=proposal_id, session_id=event.session_id)
        .on_conflict_do_nothing()
    )


def proposals(db: Session) -> list[ProposalView]:
    """The open proposals, most mentioned first."""
    mentions = sa.func.count(TopicProposalMention.session_id)
    rows = db.execute(
        sa.select(TopicProposal, mentions)
        .outerjoin(TopicProposalMention, TopicProposalMention.proposal_id == TopicProposal.id)
        .where(TopicProposal.status == "open")
        .group_by(TopicProposal.id)
        .order_by(mentions.desc(), TopicProposal.id)
    )
    return [ProposalView(p.id, p.label, p.description, p.status, int(n)) for p, n in rows.all()]


def settle_proposal(db: Session, proposal_id: int, *, accept: bool) -> TopicProposal | None:
    """Accept (the proposal becomes a topic) or dismiss an open proposal."""
    proposal = db.get(TopicProposal, proposal_id, with_for_update=True)
    if proposal is None or proposal.status != "open":
        return None
    if accept:
        create(db, label=proposal.label, description=proposal.description)
    proposal.status = "accepted" if accept else "dismissed"
    return proposal


def _insert(db: Session) -> Any:
    return postgresql.insert if db.get_bind().dialect.name == "postgresql" else sqlite.insert


@contextlib.contextmanager
def _label_unique(db: Session) -> Iterator[None]:
    """Flush a label in a savepoint: the unique index has the last word (a label another
    request took a moment ago, or one the case-blind check above cannot fold) as TopicExists."""
    try:
        with db.begin_nested():
            yield
            db.flush()
    except IntegrityError as taken:
        raise TopicExists("label taken") from taken


def _refuse_taken(db: Session, label: str, topic_id: int | None) -> None:
    taken = db.scalar(sa.select(Topic.id).where(sa.func.lower(Topic.label) == label.lower()))
    if taken is not None and taken != topic_id:
        raise TopicExists(label)
