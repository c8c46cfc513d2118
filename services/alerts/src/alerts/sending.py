"""The delivery loop: claims due deliveries and sends each in a task of its own, at most
`per_destination` at a time to one destination and `max_in_flight` in all, so one slow or
broken destination holds only its own slots, never another's, nor the consumer of events."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Protocol

from alerts.attempts import Answer, RetryPolicy, outcome
from alerts.deliveries import AlertStore, Claimed

log = logging.getLogger(__name__)
PURGE_EVERY_S = 3600.0


class Destinations(Protocol):
    """Where an alert goes: one attempt, and what came back."""

    async def send(self, delivery: Claimed) -> Answer: ...


@dataclass(frozen=True)
class SendingPolicy:
    """How much at once, how often to look, how long a claim holds, how to retry."""

    per_destination: int = 4
    max_in_flight: int = 64
    poll_s: float = 1.0
    lease_s: float = 120.0
    keep_s: float = 30 * 86400.0  # settled deliveries (the customer's words) are kept this long
    retry: RetryPolicy = field(default_factory=RetryPolicy)


class Sender:
    """Runs until stopped; a delivery interrupted by the stop is retried when its lease ends."""

    def __init__(self, store: AlertStore, destinations: Destinations, policy: SendingPolicy):
        self._store, self._destinations, self._policy = store, destinations, policy
        self._in_flight: Counter[str] = Counter()
        self._tasks: set[asyncio.Task[None]] = set()
        self._wake = asyncio.Event()

    def wake(self) -> None:
        """New deliveries were enqueued: look now rather than at the next poll."""
        self._wake.set()

    async def run(self, stop: asyncio.Event) -> None:
        purged_at = 0.0
        try:
            while not stop.is_set():
                if time.monotonic() - purged_at >= PURGE_EVERY_S:
                    purged_at = time.monotonic()
                    await self._purge()
                claimed = await self._claim()
                if claimed:
                    continue  # there may be more due: look again at once
                self._wake.clear()  # set by a free slot, new deliveries, or the stop
                stopping = asyncio.ensure_future(_set_on(stop, self._wake))
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), self._policy.poll_s)
                stopping.cancel()
        finally:
            for task in list(self._tasks):
                task.cancel()
            await asyncio.gather(*self._tasks, return_exceptions=True)

    async def _purge(self) -> None:
        before = datetime.now(UTC) - timedelta(seconds=self._policy.keep_s)
        try:
            purged = await asyncio.to_thread(self._store.purge, before=before)
        except Exception:  # the database away: the next hour's purge takes these too
            log.warning("could not purge old alert deliveries", exc_info=True)
            return
        if purged:
            log.info("purged %d settled alert deliveries", purged)

    async def _claim(self) -> int:
        free = self._policy.max_in_flight - len(self._tasks)
        if free <= 0:
            return 0
        busy = [d for d, n in self._in_flight.items() if n >= self._policy.per_destination]
        try:
            claimed = await asyncio.to_thread(
                self._store.claim_due,
                now=datetime.now(UTC),
                limit=free,
                busy=busy,
                per_destination=self._policy.per_destination,
                lease_s=self._policy.lease_s,
            )
        except Exception:  # the database away: the readiness probe says so; look again later
            log.warning("could not claim due alert deliveries", exc_info=True)
            return 0
        for delivery in claimed:
            self._in_flight[delivery.destination_id] += 1
            task = asyncio.create_task(self._attempt(delivery))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        return len(claimed)

    async def _attempt(self, delivery: Claimed) -> None:
        try:
            answer = await self._destinations.send(delivery)
            now = datetime.now(UTC)
            attempted = outcome(
                answer,
                attempts=delivery.attempts + 1,
                now=now,
                retry_until=delivery.retry_until,
                policy=self._policy.retry,
            )
            await asyncio.to_thread(self._store.record, delivery.id, attempted, now=now)
            if attempted.state != "delivered":
                log.info(
                    "alert delivery %s: %s",
                    attempted.state,
                    attempted.error,
                    extra={"delivery_id": delivery.id, "destination_id": delivery.destination_id},
                )
        except Exception:  # recorded nothing: the lease runs out and it is tried again
            log.exception("alert delivery attempt failed", extra={"delivery_id": delivery.id})
        finally:
            self._in_flight[delivery.destination_id] -= 1
            if self._in_flight[delivery.destination_id] <= 0:
                del self._in_flight[delivery.destination_id]
            self._wake.set()  # a slot is free


async def _set_on(stop: asyncio.Event, wake: asyncio.Event) -> None:
    await stop.wait()
    wake.set()
