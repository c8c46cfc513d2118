"""A token bucket per sending number: WhatsApp throughput is limited per sender."""

from __future__ import annotations

import asyncio
import time


class SendRateLimiter:
    """At most `rate_per_s` sends per second per sender, with bursts of up to one second's worth.

    Several replicas share one number's limit: each takes the share of the reply topic's
    partitions it owns (`set_share`), so their rates add up to the limit whatever the replica
    count, with no shared state and no call per send. A replica whose partitions carry more
    customers than average sends below its fair part; the number is never driven past it."""

    def __init__(self, rate_per_s: float) -> None:
        self._total = rate_per_s
        self._rate = rate_per_s
        self._capacity = max(1.0, rate_per_s)
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = asyncio.Lock()

    def set_share(self, share: float) -> None:
        """This replica's part of the limit (owned partitions / all partitions)."""
        self._rate = max(self._total * share, 1e-3)
        self._capacity = max(1.0, self._rate)
        self._buckets.clear()

    async def acquire(self, sender: str) -> None:
        """Wait until `sender` may send one more message."""
        while True:
            async with self._lock:
                now = time.monotonic()
                tokens, last = self._buckets.get(sender, (self._capacity, now))
                tokens = min(self._capacity, tokens + (now - last) * self._rate)
                if tokens >= 1:
                    self._buckets[sender] = (tokens - 1, now)
                    return
                self._buckets[sender] = (tokens, now)
                wait = (1 - tokens) / self._rate
            await asyncio.sleep(wait)
