"""The consent port on DynamoDB: the `opt_outs` table both the analyzer and messenger use."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

from service_runtime.consent import Consent
from service_runtime.dynamo import BatchedGets


class DynamoConsentStore:
    """The `opt_outs` table, hash key `sender_id`."""

    def __init__(self, table: Any) -> None:
        self._table = table
        self._reads = BatchedGets(table, key=("sender_id",))

    async def get(self, customer: str) -> Consent:
        """Strongly consistent: a STOP handled a moment ago is seen. Reads made while another is
        under way share one BatchGetItem, sent after each of them was asked for."""
        item = await self._reads.get({"sender_id": customer})
        if not item:
            return Consent()
        return Consent(
            opted_out=bool(item.get("opted_out")),
            source=item.get("source"),
            notice_reply_id=item.get("notice_reply_id"),
            changed_at=_time(item.get("changed_at")),
            window_closed_at=_time(item.get("window_closed_at")),
        )

    async def set(self, customer: str, consent: Consent) -> None:
        """Record the customer's standing now."""
        item = {
            "sender_id": customer,
            "opted_out": consent.opted_out,
            "source": consent.source,
            "notice_reply_id": consent.notice_reply_id,
            "changed_at": (consent.changed_at or datetime.now(UTC)).isoformat(),
            "window_closed_at": _iso(consent.window_closed_at),
        }
        await asyncio.to_thread(
            self._table.put_item, Item={k: v for k, v in item.items() if v is not None}
        )

    async def erase(self, customer: str) -> int:
        """Delete the customer's item."""
        old = await asyncio.to_thread(
            self._table.delete_item, Key={"sender_id": customer}, ReturnValues="ALL_OLD"
        )
        return 1 if old.get("Attributes") else 0


def _time(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None
