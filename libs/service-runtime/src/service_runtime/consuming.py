"""The consumer loop: handle, retry, dead-letter, then commit; never lose an event."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from aiokafka import AIOKafkaConsumer, ConsumerRebalanceListener, TopicPartition
from aiokafka.structs import OffsetAndMetadata

from feedback_contracts import ContractError, Envelope, from_kafka, topics
from service_runtime.logs import correlation_id
from service_runtime.publishing import KafkaPublisher, PublishError
from service_runtime.tracing import continued_from

log = logging.getLogger(__name__)

Handler = Callable[[Envelope], Awaitable[None]]


class Record(Protocol):
    """The fields of an aiokafka `ConsumerRecord` this loop uses."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    headers: Sequence[tuple[str, bytes]]


class PermanentError(Exception):
    """The handler can never succeed on this event: dead-letter it without retrying."""


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
        dead_letters: KafkaPublisher,
    ) -> None:
        self.config = config
        self._handlers = dict(handlers)
        self._dead_letters = dead_letters
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
        consumer.subscribe(list(self._handlers), listener=_CommitOnRevoke(self))
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
            await self._handle_record(record)
            self._pending[tp] = record.offset + 1

    async def _handle_record(self, record: Record) -> None:
        headers = list(record.headers)
        with continued_from(headers, f"{record.topic} process") as span:
            span.set_attribute("messaging.kafka.offset", record.offset)
            try:
                envelope = from_kafka(record.value, headers)
            except ContractError as error:
                await self._dead_letter(record, error)
                return
            span.set_attribute("messaging.message.id", envelope.id)
            span.set_attribute("feedback.correlation_id", envelope.correlation_id)
            token = correlation_id.set(envelope.correlation_id)
            try:
                await self._with_retries(record, envelope)
            finally:
                correlation_id.reset(token)

    async def _with_retries(self, record: Record, envelope: Envelope) -> None:
        handler = self._handlers[record.topic]
        delay = self.config.backoff_s
        for attempt in range(1, self.config.max_attempts + 1):
            try:
                await handler(envelope)
                return
            except PermanentError as error:
                await self._dead_letter(record, error)
                return
            except Exception as error:
                if attempt == self.config.max_attempts:
                    await self._dead_letter(record, error, attempts=attempt)
                    return
                log.warning("handler failed (%r), retrying", error, extra={"attempt": attempt})
                await asyncio.sleep(delay)
                delay = min(delay * 2, self.config.max_backoff_s)

    async def _dead_letter(self, record: Record, error: BaseException, attempts: int = 1) -> None:
        reason = f"{type(error).__name__}: {error}"
        log.error("dead-lettering event", extra={"topic": record.topic, "reason": reason})
        headers = [*record.headers, *_dlq_headers(record, error, attempts, self.config.group_id)]
        delay = self.config.backoff_s
        while True:  # an event that cannot even be dead-lettered must not be committed
            try:
                await self._dead_letters.publish_raw(
                    topics.dead_letter(record.topic), record.key, record.value, headers
                )
                return
            except PublishError:
                log.exception("dead-letter publish failed, retrying")
                await asyncio.sleep(delay)
                delay = min(delay * 2, self.config.max_backoff_s)


def _dlq_headers(
    record: Record, error: BaseException, attempts: int, group: str
) -> list[tuple[str, bytes]]:
    values: dict[str, Any] = {
        "dlq_reason": f"{type(error).__name__}: {error}"[:2000],
        "dlq_error_type": type(error).__name__,
        "dlq_original_topic": record.topic,
        "dlq_original_partition": record.partition,
        "dlq_original_offset": record.offset,
        "dlq_attempts": attempts,
        "dlq_consumer_group": group,
        "dlq_failed_at": datetime.now(UTC).isoformat(),
    }
    return [(name, str(value).encode()) for name, value in values.items()]
