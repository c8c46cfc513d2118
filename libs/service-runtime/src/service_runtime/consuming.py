"""The consumer loop: poll continuously, handle keys side by side, commit the handled prefix.

Modelled on Confluent's Parallel Consumer in key-ordered mode. Polling never waits for handlers:
each fetched record joins the lane of its (partition, key), one lane runs its records in order,
and different lanes run concurrently, up to `max_in_flight` records per process. At that bound
(or a partition's `max_buffered_per_partition`) the partitions are paused and resumed as work
completes, so memory stays bounded. A handler that takes seconds (an LLM call) costs one slot,
not a whole poll: throughput is in-flight records / handler latency (Little's law).
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import time
from collections.abc import Callable, Collection, Mapping

from aiokafka import ConsumerRebalanceListener, TopicPartition
from aiokafka.errors import KafkaError
from aiokafka.structs import OffsetAndMetadata

from service_runtime.consumer_config import ConsumerConfig
from service_runtime.failures import Classifier
from service_runtime.kafka_consumer import KafkaConsumer, aiokafka_consumer, topic_shares
from service_runtime.lanes import Lanes
from service_runtime.processing import Handler, RawPublisher, RecordProcessor

log = logging.getLogger(__name__)


class _ReleaseOnRevoke(ConsumerRebalanceListener):  # type: ignore[misc]
    def __init__(self, loop: ConsumerLoop) -> None:
        self._loop = loop

    async def on_partitions_revoked(self, revoked: list[TopicPartition]) -> None:
        await self._loop.release(revoked, timeout_s=self._loop.config.revoke_timeout_s)

    async def on_partitions_assigned(self, assigned: list[TopicPartition]) -> None:
        self._loop.assigned(assigned)


class ConsumerLoop:
    """Reads the handlers' topics; commits an offset only when every record below it is handled."""

    def __init__(
        self,
        config: ConsumerConfig,
        *,
        handlers: Mapping[str, Handler],
        dead_letters: RawPublisher,
        transient: tuple[Classifier, ...] = (),
        on_share: Callable[[Mapping[str, float]], None] | None = None,
        consumer_factory: Callable[[ConsumerConfig], KafkaConsumer] = aiokafka_consumer,
    ) -> None:
        self.config = config
        self._on_share = on_share
        retry = dataclasses.replace(config.retry, transient=config.retry.transient + transient)
        self._processor = RecordProcessor(
            handlers, dead_letters=dead_letters, group=config.group_id, retry=retry
        )
        self._lanes = Lanes(self._processor)
        self._consumer_factory = consumer_factory
        self._consumer: KafkaConsumer | None = None
        self._stopping = asyncio.Event()
        self.last_poll = time.monotonic()
        self._last_commit = time.monotonic()

    async def run(self) -> None:
        """Consume until `stop()`; finish what is in flight (bounded) and commit on the way out."""
        consumer = self._consumer_factory(self.config)
        consumer.subscribe(list(self._processor.handlers), listener=_ReleaseOnRevoke(self))
        self._consumer = consumer
        await consumer.start()
        try:
            while not self._stopping.is_set():
                await self._poll_once(consumer)
                if time.monotonic() - self._last_commit >= self.config.commit_interval_s:
                    await self._commit_quietly()
        finally:  # each step logged: the shutdown test checks their order
            log.info("shutdown: polling stopped", extra={"in_flight": self.in_flight})
            await self.release(
                list(self._lanes.partitions), timeout_s=self.config.shutdown_timeout_s
            )
            log.info("shutdown: in-flight records finished or handed back, offsets committed")
            await consumer.stop()
            self._consumer = None
            log.info("shutdown: left the consumer group")

    def stop(self) -> None:
        """Ask the loop to stop polling, finish its handlers, commit and leave the group."""
        self._stopping.set()
        self._lanes.room.set()

    @property
    def stopping(self) -> bool:
        """Whether `stop()` was called."""
        return self._stopping.is_set()

    @property
    def in_flight(self) -> int:
        """Records fetched and not yet handled (running, or waiting behind their key)."""
        return self._lanes.unhandled

    @property
    def unavailable(self) -> str | None:
        """The error a record is waiting out (a dependency away), or None."""
        return self._processor.unavailable

    def is_live(self) -> bool:
        """Liveness reflects progress: the loop polled recently and no handler is stuck."""
        now, limit = time.monotonic(), self.config.stall_after_s
        return now - self.last_poll < limit and now - self._lanes.oldest_attempt(now) < limit

    async def _poll_once(self, consumer: KafkaConsumer) -> None:
        room = self._apply_backpressure(consumer)
        if room <= 0:  # every partition is paused; poll anyway to stay in the group
            self._lanes.room.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._lanes.room.wait(), self.config.poll_timeout_s)
        timeout_ms = int(self.config.poll_timeout_s * 1000) if room > 0 else 0
        batches = await consumer.getmany(timeout_ms=timeout_ms, max_records=max(room, 1))
        self.last_poll = time.monotonic()
        assigned = consumer.assignment()
        for tp, records in batches.items():
            if tp in assigned:  # records of a partition revoked meanwhile are not ours
                for record in records:
                    self._lanes.dispatch(tp, record)

    def _apply_backpressure(self, consumer: KafkaConsumer) -> int:
        """Pause what is full, resume what has room; how many records the next poll may take.

        A partition is full when its span of uncommittable offsets (from the handled prefix to
        the newest fetched) reaches `max_buffered_per_partition`; everything is full when
        `max_in_flight` records are unhandled. Handled records past a slow one cost an offset,
        not a slot: a slow LLM call must not hold back the records behind it."""
        room = self.config.max_in_flight - self._lanes.unhandled
        limit = self.config.max_buffered_per_partition
        paused, to_pause, to_resume = consumer.paused(), [], []
        take: int | None = None  # None while no partition may be fetched
        for tp in consumer.assignment():
            headroom = min(room, limit - self._lanes.outstanding(tp))
            if headroom <= 0:
                if tp not in paused:
                    to_pause.append(tp)
                continue
            take = headroom if take is None else min(take, headroom)
            if tp in paused:
                to_resume.append(tp)
        if to_pause:
            consumer.pause(*to_pause)
        if to_resume:
            consumer.resume(*to_resume)
        return take or 0

    def assigned(self, partitions: Collection[TopicPartition]) -> None:
        """New partitions start from their committed offsets with fresh bookkeeping; `on_share`
        learns what share of each topic's partitions this process now owns."""
        self._lanes.assign(partitions)
        log.info("partitions assigned", extra={"partitions": sorted(map(str, partitions))})
        if self._on_share is not None and self._consumer is not None:
            self._on_share(topic_shares(self._consumer, self._processor.handlers, partitions))

    async def release(self, partitions: Collection[TopicPartition], *, timeout_s: float) -> None:
        """Stop dispatching these partitions, wait (bounded) for their running handlers, commit
        their handled prefix and forget them. Handlers still running after the wait are
        cancelled: their records are redelivered to the partition's next owner."""
        parts = await self._lanes.quiesce(partitions, timeout_s=timeout_s)
        await self._commit_quietly(only=set(parts))
        self._lanes.forget(parts)

    async def commit(self, only: set[TopicPartition] | None = None) -> None:
        """Commit, per partition, the offset below which every record is handled."""
        self._last_commit = time.monotonic()
        consumer = self._consumer
        offsets = {
            tp: offset
            for tp, part in self._lanes.partitions.items()
            if (only is None or tp in only) and (offset := part.offsets.to_commit()) is not None
        }
        if consumer is None or not offsets:
            return
        await consumer.commit({tp: OffsetAndMetadata(n, "") for tp, n in offsets.items()})
        for tp, offset in offsets.items():
            self._lanes.partitions[tp].offsets.committed(offset)

    async def _commit_quietly(self, only: set[TopicPartition] | None = None) -> None:
        """A failed commit (a rebalance under way, a broker away) is retried at the next one;
        meanwhile its records would only be redelivered, which handlers absorb."""
        try:
            await self.commit(only)
        except KafkaError as error:
            log.warning("offset commit failed (%r); retrying later", error)
