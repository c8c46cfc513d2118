""""""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session, sessionmaker

from persistence.insights import Tagged
from persistence.models import Feedback, FeedbackTags
from persistence.records import FeedbackQuery


def _has_topic(dialect: str, label: str) -> sa.ColumnElement[bool]:
    """The tags' topic list holds `label` (a JSON array: PostgreSQL's jsonb containment, or
    SQLite's json_each)."""
    if dialect == "postgresql":
        return sa.cast(FeedbackTags.topics, postgresql.JSONB).contains([label])
    each = sa.func.json_each(FeedbackTags.topics).table_valued("value")
    return sa.exists(sa.select(1).select_from(each).where(each.c.value == label))


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


class _SqlReads:
    """The SQL store's reads: one row, a filtered page, the tagged rows for the insights."""

    _sessions: sessionmaker[Session]  # FeedbackStore's

    def get(self, feedback_id: int) -> Feedback | None:
        """One row by id."""
        with self._sessions() as db:
            return db.get(Feedback, feedback_id)

    def find(self, query: FeedbackQuery) -> tuple[list[Feedback], int]:
        """A page of rows, newest first, and how many match in all."""
        conditions = self._conditions(query)
        with self._sessions() as db:
            total = db.scalar(sa.select(sa.func.count()).select_from(Feedback).where(*conditions))
            rows = db.scalars(
                sa.select(Feedback)
                .where(*conditions)
                .order_by(Feedback.created_at.desc(), Feedback.id.desc())
                .limit(query.limit)
                .offset(query.offset)
            ).all()
        return list(rows), int(total or 0)

    def tagged(self, query: FeedbackQuery) -> list[Tagged]:
        """Product, tags and time of every tagged row the query matches (paging aside)."""
        statement = (
            sa.select(
                Feedback.product_name,
                FeedbackTags.topics,
                FeedbackTags.sentiment,
                Feedback.created_at,
                FeedbackTags.language_understood,
                Feedback.rating,
            )
            .join(FeedbackTags, FeedbackTags.session_id == Feedback.session_id)
            .where(*self._conditions(query))
        )
        with self._sessions() as db:
            return [Tagged(*row) for row in db.execute(statement)]

    def _conditions(self, query: FeedbackQuery) -> list[sa.ColumnElement[bool]]:
        conditions = []
        if query.sender_id:
            conditions.append(Feedback.sender_id == query.sender_id)
        if query.session_id:
            conditions.append(Feedback.session_id == query.session_id)
        if query.product_name:  # a substring, with LIKE's wildcards taken literally
            pattern = f"%{_escape_like(query.product_name)}%"
            conditions.append(Feedback.product_name.ilike(pattern, escape="\\"))
        if query.since:
            conditions.append(Feedback.created_at >= query.since)
        if query.until:
            conditions.append(Feedback.created_at < query.until)
        tags = []
        if query.sentiment:
            tags.append(FeedbackTags.sentiment == query.sentiment)
        if query.topic:
            tags.append(_has_topic(self._sessions.kw["bind"].dialect.name, query.topic))
        if tags:
            tagged = sa.select(FeedbackTags.session_id).where(*tags)
            conditions.append(Feedback.session_id.in_(tagged))
        return conditions
