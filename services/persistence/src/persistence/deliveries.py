"""Delivery statuses of the replies: what reached each customer, whatever order Twilio's
callbacks and the messenger's outcomes arrive in.

One row per outbound message, keyed by Twilio's SID, from Twilio's status callbacks, and one per
reply that never reached Twilio (`reply:<reply_id>`, with the reason), from the messenger. A
status only moves forward (queued, sending, sent, delivered, read), and failed and undelivered
are final: a late "sent" never overwrites "delivered", and a callback that comes twice changes
nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, Session, mapped_column

from feedback_contracts import (
    DeliveryStatus,
    DeliveryStatusV2,
    ReplyFailed,
)
from persistence.models import Base
from persistence.replies import ReplyDelivery, ReplyRecord

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


class Reply(Base):
    """A reply the messenger was asked to send: its text (or template), and what it answers."""

    __tablename__ = "replies"

    reply_id: Mapped[str] = mapped_column(sa.String(100), primary_key=True)
    recipient: Mapped[str] = mapped_column(sa.String(64), index=True)
    body: Mapped[str | None] = mapped_column(sa.Text())
    template_sid: Mapped[str | None] = mapped_column(sa.String(34))
    in_reply_to: Mapped[str | None] = mapped_column(sa.String(64))
    customer_message_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(
        sa.DateTime(timezone=True), server_default=sa.func.now()
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


def reply_of(status: DeliveryStatus) -> str | None:
    """The reply a status callback names (version 2), if it does."""
    return status.reply_id if isinstance(status, DeliveryStatusV2) else None


def record_status(db: Session, event: DeliveryStatus) -> None:
    """Twilio's callback: applied only if it moves the message forward."""
    new = rank(event.message_status)
    row = {
        "message_key": event.message_sid,
        "reply_id": reply_of(event),
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
                "reply_id": sa.func.coalesce(Delivery.reply_id, statement.excluded.reply_id),
            },
            where=sa.and_(Delivery.status_rank < new, Delivery.status_rank < FINAL),
        )
    )


def reply_row(record: ReplyRecord) -> dict[str, Any]:
    """The `replies` row of a reply."""
    return {
        "reply_id": record.reply_id,
        "recipient": record.recipient,
        "body": record.text,
        "template_sid": record.template_sid,
        "in_reply_to": record.in_reply_to,
        "customer_message_at": record.customer_message_at,
    }


def record_replies(db: Session, records: Sequence[ReplyRecord]) -> None:
    """Replies, once each (a redelivered outcome changes nothing)."""
    rows = list({record.reply_id: reply_row(record) for record in records}.values())
    db.execute(_insert(db)(Reply).values(rows).on_conflict_do_nothing())


def deliveries_of(db: Session, recipient: str, limit: int) -> list[ReplyDelivery]:
    """A customer's newest outbound messages with their statuses and replies."""
    rows = db.execute(
        sa.select(Delivery, Reply)
        .outerjoin(Reply, Reply.reply_id == Delivery.reply_id)
        .where(Delivery.recipient == recipient)
        .order_by(Delivery.updated_at.desc())
        .limit(limit)
    )
    return [delivered(delivery, reply) for delivery, reply in rows]


def delivered(delivery: Delivery, reply: Reply | None) -> ReplyDelivery:
    """A message's status with its reply, as the API shows it."""
    return ReplyDelivery(
        message_key=delivery.message_key,
        reply_id=delivery.reply_id,
        status=delivery.status,
        error_code=delivery.error_code,
        updated_at=delivery.updated_at,
        text=reply.body if reply else None,
        template_sid=reply.template_sid if reply else None,
        in_reply_to=reply.in_reply_to if reply else None,
        customer_message_at=reply.customer_message_at if reply else None,
    )
