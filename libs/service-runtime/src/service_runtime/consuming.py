"""The consumer loop: handle, retry, dead-letter, then commit; never lose an event."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Mapping
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

__all__ = ["ConsumerConfig", "ConsumerLoop", "Handler", "PermanentError"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ConsumerConfig:
    """How one consumer group reads; batch work is bounded well below the poll interval."""

    bootstrap_servers: str
    group_id: str
    client_id: str
    max_batch: int = 50
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
    """Reads the handlers' topics; commits an offset only after its event was handled."""

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
        if consumer is None or not offsets:
            return
        await consumer.commit(offsets)
        for tp in offsets:
            self._pending.pop(tp, None)

    async def _handle_partition(
        self, tp: TopicPartition, records: list[Record], deadline: float
    ) -> None:
        for record in records:
            if time.monotonic() > deadline or self._stopping.is_set():
                assert self._consumer is not None
                self._consumer.seek(tp, record.offset)  # the rest is fetched again next poll
                return
            await self._processor.process(record)
            self._pending[tp] = record.offset + 1
