"""The fake's replies and their delivery statuses."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from feedback_contracts import (
    DeliveryStatus,
    ReplyFailed,
)
from persistence import deliveries
from persistence.deliveries import Delivery, Reply
from persistence.memory_state import MemoryState
from persistence.replies import ReplyDelivery, ReplyRecord


class _MemoryDeliveries(MemoryState):
    """The fake's replies and their delivery statuses."""

    def save_reply_failed(self, event: ReplyFailed) -> None:
        """A reply the messenger did not send, and why: final."""
        key = f"reply:{event.reply_id}"
        self.statuses.setdefault(
            key,
            Delivery(
                message_key=key,
                reply_id=event.reply_id,
                recipient=event.recipient,
                status="failed",
                status_rank=deliveries.FINAL,
                error_code=event.error_code[:16],
                updated_at=datetime.now(UTC),
            ),
        )

    def save_delivery_status(self, event: DeliveryStatus) -> None:
        """Applied only when it moves the message forward; failed and undelivered are final."""
        new = deliveries.rank(event.message_status)
        current = self.statuses.get(event.message_sid)
        if current is not None and (
            current.status_rank >= new or current.status_rank >= deliveries.FINAL
        ):
            return
        code = event.error_code[:16] if event.error_code else None
        self.statuses[event.message_sid] = Delivery(
            message_key=event.message_sid,
            reply_id=(current.reply_id if current else None) or deliveries.reply_of(event),
            recipient=event.recipient,
            status=event.message_status[:16],
            status_rank=new,
            error_code=code or (current.error_code if current else None),
            updated_at=datetime.now(UTC),
        )

    def save_replies(self, records: Sequence[ReplyRecord]) -> None:
        """Replies, once each."""
        for record in records:
            self.replies.setdefault(record.reply_id, Reply(**deliveries.reply_row(record)))

    def deliveries(self, recipient: str, limit: int = 50) -> list[ReplyDelivery]:
        """A customer's newest outbound messages, their statuses and their replies."""
        mine = [d for d in self.statuses.values() if d.recipient == recipient]
        newest = sorted(mine, key=lambda d: d.updated_at, reverse=True)[:limit]
        return [deliveries.delivered(d, self.replies.get(d.reply_id or "")) for d in newest]
