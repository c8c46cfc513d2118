"""The send ledger's fake, for unit tests."""

from __future__ import annotations

from datetime import UTC, datetime

from messenger.ledger import Claim


class InMemorySendLedger:
    """Ledger for unit tests and the embedded run."""

    def __init__(self) -> None:
        self.records: dict[str, Claim] = {}

    async def claim(self, key: str) -> Claim:
        if key in self.records:
            return self.records[key]
        self.records[key] = Claim("sending", claimed_at=datetime.now(UTC))
        return Claim("new")

    async def reclaim(self, key: str) -> None:
        self.records[key] = Claim("sending", claimed_at=datetime.now(UTC))

    async def mark_sent(self, key: str, twilio_sid: str) -> None:
        self.records[key] = Claim("sent", twilio_sid)

    async def release(self, key: str) -> None:
        self.records.pop(key, None)

    async def forget(self, reply_id: str) -> int:
        mine = [key for key in self.records if key.startswith(f"{reply_id}#")]
        for key in mine:
            del self.records[key]
        return len(mine)
