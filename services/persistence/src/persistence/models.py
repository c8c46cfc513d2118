"""SQLAlchemy 2.0 models: those of the original service, plus the media awaiting a feedback."""

from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

TextList = sa.JSON().with_variant(postgresql.ARRAY(sa.Text()), "postgresql")


class Base(DeclarativeBase):
    """Declarative base with timestamps on every table that has them."""


class Timestamps:
    created_at: Mapped[datetime] = mapped_column(
        sa.DateTime(timezone=True), server_default=sa.func.now()
    )
    updated_at: Mapped[datetime] = mapped_column(
        sa.DateTime(timezone=True), server_default=sa.func.now(), onupdate=sa.func.now()
    )


class User(Timestamps, Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(320), unique=True)
    full_name: Mapped[str] = mapped_column(sa.String(200))
    hashed_password: Mapped[str | None] = mapped_column(sa.String(200))
    is_active: Mapped[bool] = mapped_column(default=True, server_default=sa.true())


class Feedback(Timestamps, Base):
    __tablename__ = "feedback"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[str] = mapped_column(sa.String(64), unique=True)
    sender_id: Mapped[str] = mapped_column(sa.String(64), index=True)
    product_name: Mapped[str] = mapped_column(sa.String(300), index=True)
    feedback_text: Mapped[str] = mapped_column(sa.Text())
    media_urls: Mapped[list[str]] = mapped_column(TextList, default=list)
    completed_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    rating: Mapped[int | None] = mapped_column(
        sa.SmallInteger(), sa.CheckConstraint("rating BETWEEN 1 AND 5", "feedback_rating_1_to_5")
    )
    llm_model: Mapped[str | None] = mapped_column(sa.String(100))
    llm_input_tokens: Mapped[int] = mapped_column(default=0, server_default="0")
    llm_output_tokens: Mapped[int] = mapped_column(default=0, server_default="0")
    llm_cost_usd: Mapped[Decimal] = mapped_column(
        sa.Numeric(14, 8), default=Decimal(0), server_default="0"
    )
    # Written by the insights service's events; read with the row.
    tags: Mapped[FeedbackTags | None] = relationship(
        primaryjoin="Feedback.session_id == foreign(FeedbackTags.session_id)",
        viewonly=True,
        lazy="joined",
    )


class FeedbackTags(Base):
    """A feedback's topics, sentiment and summary, from the taxonomy of `taxonomy_version`."""

    __tablename__ = "feedback_tags"

    session_id: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    topics: Mapped[list[str]] = mapped_column(sa.JSON(), default=list)
    sentiment: Mapped[str] = mapped_column(sa.String(8))
    summary: Mapped[str] = mapped_column(sa.Text())
    tagger: Mapped[str] = mapped_column(sa.String(100))
    taxonomy_version: Mapped[int] = mapped_column(sa.Integer())
    language: Mapped[str | None] = mapped_column(sa.String(8))  # as the tagger read it
    language_understood: Mapped[bool] = mapped_column(sa.Boolean(), default=True)
    tagged_at: Mapped[datetime] = mapped_column(
        sa.DateTime(timezone=True), server_default=sa.func.now()
    )


class TopicProposal(Base):
    """A topic the LLM tagger proposed, for the owner to accept or dismiss."""

    __tablename__ = "topic_proposals"

    id: Mapped[int] = mapped_column(primary_key=True)
    label_key: Mapped[str] = mapped_column(sa.String(80), unique=True)  # the label, lower case
    label: Mapped[str] = mapped_column(sa.String(80))
    description: Mapped[str] = mapped_column(sa.Text())
    status: Mapped[str] = mapped_column(sa.String(16), default="open")
    created_at: Mapped[datetime] = mapped_column(
        sa.DateTime(timezone=True), server_default=sa.func.now()
    )


class TopicProposalMention(Base):
    """One feedback that led to a proposal (a redelivered tag counts once)."""

    __tablename__ = "topic_proposal_mentions"

    proposal_id: Mapped[int] = mapped_column(sa.Integer(), primary_key=True)
    session_id: Mapped[str] = mapped_column(sa.String(64), primary_key=True)


class TaxonomyChange(Base):
    """One change of the taxonomy; the newest id is the taxonomy's version."""

    __tablename__ = "taxonomy_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    topic_id: Mapped[int] = mapped_column(sa.Integer())
    change: Mapped[str] = mapped_column(sa.String(32))
    changed_at: Mapped[datetime] = mapped_column(
        sa.DateTime(timezone=True), server_default=sa.func.now()
    )


class StoredMedia(Base):
    """A media-stored event, kept until (and after) its feedback row exists."""

    __tablename__ = "stored_media"

    media_sid: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    session_id: Mapped[str] = mapped_column(sa.String(64), index=True)
    sender_id: Mapped[str | None] = mapped_column(sa.String(64), index=True)
    message_sid: Mapped[str] = mapped_column(sa.String(64))
    status: Mapped[str] = mapped_column(sa.String(16))
    s3_uri: Mapped[str | None] = mapped_column(sa.Text())
    content_type: Mapped[str | None] = mapped_column(sa.String(100))
    size_bytes: Mapped[int | None] = mapped_column(sa.BigInteger())
    sha256: Mapped[str | None] = mapped_column(sa.String(64))
    reason: Mapped[str | None] = mapped_column(sa.Text())


class JobStatus(enum.StrEnum):
    processing = "processing"
    completed = "completed"
    failed = "failed"


class Job(Timestamps, Base):
    __tablename__ = "jobs"

    id: Mapped[int] = mapped_column(primary_key=True)
    job_name: Mapped[str] = mapped_column(sa.String(200))
    last_processed_id: Mapped[int | None]
    status: Mapped[JobStatus] = mapped_column(
        sa.Enum(JobStatus, name="job_status", native_enum=False, length=16)
    )


class JobConfig(Base):
    __tablename__ = "job_configs"

    id: Mapped[int] = mapped_column(primary_key=True)
    config: Mapped[dict[str, Any]] = mapped_column(sa.JSON())


class Topic(Timestamps, Base):
    __tablename__ = "topics"

    id: Mapped[int] = mapped_column(primary_key=True)
    label: Mapped[str] = mapped_column(sa.String(200), unique=True)
    description: Mapped[str | None] = mapped_column(sa.Text())
    is_active: Mapped[bool] = mapped_column(default=True, server_default=sa.true())
