"""The alerts service's own tables: where to send, and each delivery's state."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    """The alerts' tables, migrated apart from persistence's (their own version table)."""


class Destination(Base):
    """Where matching feedback goes: a Slack incoming webhook or a signed HTTPS endpoint."""

    __tablename__ = "alert_destinations"
    __table_args__ = (
        sa.CheckConstraint("kind IN ('slack', 'webhook')", name="alert_destinations_kind"),
    )

    id: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(80))
    kind: Mapped[str] = mapped_column(sa.String(16))  # slack | webhook
    url: Mapped[str] = mapped_column(sa.Text())  # a secret: masked when read back
    signing_secret: Mapped[str | None] = mapped_column(sa.String(80))  # whsec_…, webhook only
    rule: Mapped[dict[str, Any]] = mapped_column(sa.JSON())
    enabled: Mapped[bool] = mapped_column(sa.Boolean(), default=True)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))


class Delivery(Base):
    """One alert to one destination. Its id is stable per (feedback, destination): the
    `webhook-id` a receiver drops repeats by, and the key that makes enqueueing idempotent."""

    __tablename__ = "alert_deliveries"
    __table_args__ = (
        sa.Index("ix_alert_deliveries_due", "state", "next_attempt_at"),
        sa.Index("ix_alert_deliveries_customer", "customer"),
        sa.CheckConstraint(
            "state IN ('pending', 'delivered', 'failed')", name="alert_deliveries_state"
        ),
    )

    id: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    destination_id: Mapped[str] = mapped_column(
        sa.ForeignKey("alert_destinations.id", ondelete="CASCADE"), index=True
    )
    feedback_id: Mapped[str] = mapped_column(sa.String(200))
    customer: Mapped[str] = mapped_column(sa.String(64))  # subject_hash: found by erasure
    alert: Mapped[dict[str, Any]] = mapped_column(sa.JSON())
    state: Mapped[str] = mapped_column(sa.String(16))  # pending | delivered | failed
    attempts: Mapped[int] = mapped_column(sa.Integer(), default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    retry_until: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    delivered_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    last_status: Mapped[int | None] = mapped_column(sa.Integer())
    last_error: Mapped[str | None] = mapped_column(sa.String(300))
