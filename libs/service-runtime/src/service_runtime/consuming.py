"""The consumer loop: handle, retry, dead-letter, then commit; never lose an event."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass

from aiokafka import AIOKafkaConsumer, ConsumerRebalanceListener, TopicPartition
from aiokafka.structs import OffsetAndMetadata

from service_runtime.processing import (
    Handler,
    PermanentError,
    RawPublisher,
    Record,
    RecordProcessor,
    RetryPolicy,
)

__all__ = ["ConsumerConfig", "ConsumerLoop", "Handler", "PermanentError", "handle_in_key_order"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ConsumerConfig:
    """How one consumer group reads; batch work is bounded well below the poll interval.

    Offsets are committed at most every `commit_interval_s` (and on revocation and stop), not
    after every poll: a commit per handled batch was a broker round trip per event at low
    batch sizes. A crash redelivers at most that interval's events, which every handler
    absorbs (they are idempotent on their natural keys)."""

    bootstrap_servers: str
    group_id: str
    client_id: str
    commit_interval_s: float = 1.0
    max_batch: int = 20
    max_poll_interval_ms: int = 300_000
    batch_budget_s: float = 60.0
    max_attempts: int = 5
    backoff_s: float = 0.2
    max_backoff_s: float = 5.0
    stall_after_s: float = 120.0


class _CommitOnRevoke(ConsumerRebalanceListener):  # type: ignore[misc]
    def __init__(self, loop: ConsumerLoop) -> None:
        self._loop = loop

    async def on_partitions_revoked(self, revoked: list[TopicPartition]) -> None:
        await self._loop.commit(only=set(revoked))

    async def on_partitions_assigned(self, assigned: list[TopicPartition]) -> None:
        log.info("partitions assigned", extra={"partitions": sorted(str(tp) for tp in assigned)})


class ConsumerLoop:
    """Reads the handlers' topics; commits an offset only after its event was handled.

    Within a partition, records of different keys (customers) are handled side by side and each
    key's records in order: per-key order is all a conversation needs, and handling a whole
    partition one record at a time capped throughput at partitions / handler latency."""

    def __init__(
        self,
        config: ConsumerConfig,
        *,
        handlers: Mapping[str, Handler],
        dead_letters: RawPublisher,
    ) -> None:
        self.config = config
        self._processor = RecordProcessor(
            handlers,
            dead_letters=dead_letters,
            group=config.group_id,
            retry=RetryPolicy(config.max_attempts, config.backoff_s, config.max_backoff_s),
        )
        self._consumer: AIOKafkaConsumer | None = None
        self._pending: dict[TopicPartition, int] = {}
        self._stopping = asyncio.Event()
        self.last_progress = time.monotonic()
        self._last_commit = time.monotonic()

    async def run(self) -> None:
        """Consume until `stop()`; commit what was handled on the way out."""
        consumer = AIOKafkaConsumer(
            bootstrap_servers=self.config.bootstrap_servers,
            group_id=self.config.group_id,
            client_id=self.config.client_id,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            max_poll_interval_ms=self.config.max_poll_interval_ms,
        )
        consumer.subscribe(list(self._processor.handlers), listener=_CommitOnRevoke(self))
        self._consumer = consumer
        await consumer.start()
        try:
            while not self._stopping.is_set():
                batches = await consumer.getmany(timeout_ms=500, max_records=self.config.max_batch)
                self.last_progress = time.monotonic()
                deadline = time.monotonic() + self.config.batch_budget_s
                await asyncio.gather(
                    *(
                        self._handle_partition(tp, records, deadline)
                        for tp, records in batches.items()
                    )
                )
                if time.monotonic() - self._last_commit >= self.config.commit_interval_s:
                    await self.commit()
        finally:
            await self.commit()
            await consumer.stop()
            self._consumer = None

    def stop(self) -> None:
        """Ask the loop to finish its batch, commit and leave the group."""
        self._stopping.set()

    @property
    def stopping(self) -> bool:
        """Whether `stop()` was called."""
        return self._stopping.is_set()

    def is_live(self) -> bool:
        """Liveness reflects progress: the loop has polled recently."""
        return time.monotonic() - self.last_progress < self.config.stall_after_s

    async def commit(self, only: set[TopicPartition] | None = None) -> None:
        """Commit the offsets after the last handled event of each (or the given) partition."""
        consumer = self._consumer
        offsets = {
            tp: OffsetAndMetadata(offset, "")
            for tp, offset in self._pending.items()
            if only is None or tp in only
        }
        self._last_commit = time.monotonic()
        if consumer is None or not offsets:
            return
        await consumer.commit(offsets)
        for tp in offsets:
            self._pending.pop(tp, None)

    async def _handle_partition(
        self, tp: TopicPartition, records: list[Record], deadline: float
    ) -> None:
        def go_on() -> bool:
            return time.monotonic() <= deadline and not self._stopping.is_set()

        unhandled = await handle_in_key_order(records, self._processor.process, go_on=go_on)
        if unhandled is None:
            self._pending[tp] = records[-1].offset + 1
            return
        assert self._consumer is not None
        self._consumer.seek(tp, unhandled)  # fetched again next poll; handlers are idempotent
        if unhandled > records[0].offset:
            self._pending[tp] = unhandled


async def handle_in_key_order(
    records: Sequence[Record],
    handle: Callable[[Record], Awaitable[None]],
    *,
    go_on: Callable[[], bool],
) -> int | None:
    """Handle one partition's records, each key's in order and the keys side by side.

    Returns the lowest offset left unhandled because `go_on()` turned false (everything before
    it was handled), or None when every record was."""
    by_key: dict[bytes | None, list[Record]] = {}
    for record in records:
        by_key.setdefault(record.key, []).append(record)

    async def in_order(same_key: list[Record]) -> int | None:
        for record in same_key:
            if not go_on():
                return record.offset
            await handle(record)
        return None

    left = await asyncio.gather(*(in_order(same_key) for same_key in by_key.values()))
    return min((offset for offset in left if offset is not None), default=None)
