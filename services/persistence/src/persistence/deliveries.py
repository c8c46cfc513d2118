"""Delivery statuses of the replies: what reached each customer, whatever order Twilio's
callbacks and the messenger's outcomes arrive in.

One row per outbound message, keyed by Twilio's SID, from Twilio's status callbacks, and one per
reply that never reached Twilio (`reply:<reply_id>`, with the reason), from the messenger. A
status only moves forward (queued, sending, sent, delivered, read), and failed and undelivered
are final: a late "sent" never overwrites "delivered", and a callback that comes twice changes
nothing.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, Session, mapped_column

from feedback_contracts import DeliveryStatus, ReplyFailed
from persistence.models import Base

RANKS = {
    "accepted": 0,
    "scheduled": 0,
    "queued": 0,
    "sending": 1,
    "sent": 2,
    "delivered": 3,
    "read": 4,
}
FINAL = 5  # failed, undelivered, canceled: nothing comes after


class Delivery(Base):
    __tablename__ = "deliveries"

    message_key: Mapped[str] = mapped_column(sa.String(80), primary_key=True)
    reply_id: Mapped[str | None] = mapped_column(sa.String(100), index=True)
    recipient: Mapped[str] = mapped_column(sa.String(64), index=True)
    status: Mapped[str] = mapped_column(sa.String(16))
    status_rank: Mapped[int] = mapped_column(sa.SmallInteger())
    error_code: Mapped[str | None] = mapped_column(sa.String(16))
    updated_at: Mapped[datetime] = mapped_column(
        sa.DateTime(timezone=True), server_default=sa.func.now(), onupdate=sa.func.now()
    )


FAILED = frozenset({"failed", "undelivered", "canceled"})


def rank(status: str) -> int:
    """How far a Twilio status stands along a message's life (unknown ones: at the start)."""
    return FINAL if status in FAILED else RANKS.get(status, 0)


def _insert(db: Session) -> Any:
    return postgresql.insert if db.get_bind().dialect.name == "postgresql" else sqlite.insert


def record_failed(db: Session, event: ReplyFailed) -> None:
    """A reply that was never sent: final, with its reason."""
    row = {
        "message_key": f"reply:{event.reply_id}",
        "reply_id": event.reply_id,
        "recipient": event.recipient,
        "status": "failed",
        "status_rank": FINAL,
        "error_code": event.error_code[:16],
    }
    db.execute(_insert(db)(Delivery).values(**row).on_conflict_do_nothing())


def record_status(db: Session, event: DeliveryStatus) -> None:
    """Twilio's callback: applied only if it moves the message forward."""
    new = rank(event.message_status)
    row = {
        "message_key": event.message_sid,
        "recipient": event.recipient,
        "status": event.message_status[:16],
        "status_rank": new,
        "error_code": (event.error_code or None) and event.error_code[:16],
    }
    statement = _insert(db)(Delivery).values(**row)
    db.execute(
        statement.on_conflict_do_update(
            index_elements=["message_key"],
            set_={
                "status": statement.excluded.status,
                "status_rank": statement.excluded.status_rank,
                "error_code": sa.func.coalesce(statement.excluded.error_code, Delivery.error_code),
            },
            where=sa.and_(Delivery.status_rank < new, Delivery.status_rank < FINAL),
        )
    )


def deliveries_of(db: Session, recipient: str, limit: int) -> list[Delivery]:
    """A customer's newest outbound messages with their statuses."""
    return list(
        db.scalars(
            sa.select(Delivery)
            .where(Delivery.recipient == recipient)
            .order_by(Delivery.updated_at.desc())
            .limit(limit)
        )
    )
