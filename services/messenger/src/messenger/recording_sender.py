"""The sender's fake: records what it was asked, answers as scripted."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime

from messenger.sending import CLOCK_SKEW, SendError


@dataclass
class RecordingSender:
    """In-memory sender for unit tests: records sends, fails with scripted errors first."""

    failures: list[SendError] = field(default_factory=list)
    sent: list[tuple[str, str, str, datetime]] = field(default_factory=list)
    attempts: int = 0
    received: dict[str, tuple[str, str]] = field(default_factory=dict)  # sid -> (from, to)
    erased: set[str] = field(default_factory=set)

    async def send(self, *, to: str, from_: str, body: str, status_callback: str | None) -> str:
        self.attempts += 1
        if self.failures:
            raise self.failures.pop(0)
        self.sent.append((to, from_, body, datetime.now(UTC)))
        return f"SM{len(self.sent):032d}"

    async def send_template(
        self,
        *,
        to: str,
        from_: str,
        content_sid: str,
        variables: dict[str, str],
        status_callback: str | None,
    ) -> str:
        body = f"{content_sid} {json.dumps(variables, sort_keys=True)}"
        return await self.send(to=to, from_=from_, body=body, status_callback=status_callback)

    async def find_sent(
        self, *, to: str, from_: str, body: str | None, since: datetime
    ) -> str | None:
        floor = since - CLOCK_SKEW if body is not None else since
        for index, (recipient, sender, text, at) in enumerate(self.sent, start=1):
            if (recipient, sender) == (to, from_) and body in (None, text) and at >= floor:
                return f"SM{index:032d}"
        return None

    async def messages_between(self, *, from_: str, to: str, limit: int) -> list[str]:
        sent = [
            f"SM{index:032d}"
            for index, (recipient, sender, _, _) in enumerate(self.sent, start=1)
            if (sender, recipient) == (from_, to)
        ]
        received = [sid for sid, pair in self.received.items() if pair == (from_, to)]
        return [sid for sid in sent + received if sid not in self.erased][:limit]

    async def erase(self, message_sid: str) -> int:
        self.erased.add(message_sid)
        return 0
