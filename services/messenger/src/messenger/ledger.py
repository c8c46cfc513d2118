"""The send ledger: which reply parts went out, so a redelivered request is not sent twice."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal, Protocol

State = Literal["new", "sending", "sent"]
RETENTION_S = 14 * 24 * 3600


@dataclass(frozen=True)
class Claim:
    """The state a part was in when we tried to claim it; `new` means it is ours to send.
    `claimed_at` is when a part in `sending` was claimed."""

    state: State
    twilio_sid: str | None = None
    claimed_at: datetime | None = None


class SendLedger(Protocol):
    """Idempotency records keyed by `reply_id#part`."""

    async def claim(self, key: str) -> Claim: ...

    async def reclaim(self, key: str) -> None:
        """Claim a part in `sending` again, now: Twilio never got it, so it is sent anew."""
        ...

    async def mark_sent(self, key: str, twilio_sid: str) -> None: ...

    async def release(self, key: str) -> None: ...

    async def forget(self, reply_id: str) -> int:
        """Delete every part of a reply (an erasure); how many there were."""
        ...
