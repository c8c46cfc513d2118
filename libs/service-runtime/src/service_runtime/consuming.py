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
import logging
import time
from collections import deque
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from typing import Protocol

from aiokafka import AIOKafkaConsumer, ConsumerRebalanceListener, TopicPartition
from aiokafka.errors import KafkaError
from aiokafka.structs import OffsetAndMetadata

from service_runtime.failures import Classifier
from service_runtime.offsets import PartitionOffsets
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
    """How one consumer group reads.

    Offsets are committed at most every `commit_interval_s` (and on revocation and stop): a
    crash redelivers at most that interval's handled records plus those in flight, which every
    handler absorbs (they are idempotent on their natural keys)."""

    bootstrap_servers: str
    group_id: str
    client_id: str
    commit_interval_s: float = 1.0
    max_in_flight: int = 256
    max_buffered_per_partition: int = 1000
    max_poll_interval_s: float = 300.0
    revoke_timeout_s: float = 10.0
    shutdown_timeout_s: float = 15.0
    poll_timeout_s: float = 0.2
    max_attempts: int = 5
    backoff_s: float = 0.2
    max_backoff_s: float = 5.0
    max_transient_wait_s: float = 3600.0

    @property
    def stall_after_s(self) -> float:
        """Liveness fails after this long without a poll, or with one attempt at a record running
        this long: above any handler's worst case, which the services keep inside the poll
        interval. A record waiting out an outage between attempts is not stuck."""
        return self.max_poll_interval_s


class KafkaConsumer(Protocol):
    """The part of aiokafka's consumer the loop uses (a fake implements it in unit tests)."""

    def subscribe(self, topics: list[str], listener: ConsumerRebalanceListener) -> None: ...

    async def start(self) -> None: ...

    async def stop(self) -> None: ...

    async def getmany(
        self, timeout_ms: int = 0, max_records: int | None = None
    ) -> Mapping[TopicPartition, list[Record]]: ...

    async def commit(self, offsets: Mapping[TopicPartition, OffsetAndMetadata]) -> None: ...

    def assignment(self) -> set[TopicPartition]: ...

    def paused(self) -> set[TopicPartition]: ...

    def partitions_for_topic(self, topic: str) -> set[int] | None: ...

    def pause(self, *partitions: TopicPartition) -> None: ...

    def resume(self, *partitions: TopicPartition) -> None: ...


def aiokafka_consumer(config: ConsumerConfig) -> KafkaConsumer:
    """The real consumer: manual commits, and a rebalance timeout that leaves room for the
    revocation's wait for in-flight handlers."""
    consumer: KafkaConsumer = AIOKafkaConsumer(
        bootstrap_servers=config.bootstrap_servers,
        group_id=config.group_id,
        client_id=config.client_id,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        max_poll_interval_ms=int(config.max_poll_interval_s * 1000),
        rebalance_timeout_ms=int((config.revoke_timeout_s + 20) * 1000),
    )
    return consumer


@dataclass
class _Partition:
    """One assigned partition: its offsets, its keys' lanes and the tasks draining them."""

    offsets: PartitionOffsets = field(default_factory=PartitionOffsets)
    lanes: dict[bytes | None, deque[Record]] = field(default_factory=dict)
    tasks: set[asyncio.Task[None]] = field(default_factory=set)
    started: dict[int, float] = field(default_factory=dict)
    unhandled: int = 0  # fetched, not yet handled
    released: bool = False


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
        retry = RetryPolicy(
            config.max_attempts,
            config.backoff_s,
            config.max_backoff_s,
            config.max_transient_wait_s,
            transient,
        )
        self._processor = RecordProcessor(
            handlers, dead_letters=dead_letters, group=config.group_id, retry=retry
        )
        self._consumer_factory = consumer_factory
        self._consumer: KafkaConsumer | None = None
        self._partitions: dict[TopicPartition, _Partition] = {}
        self._unhandled = 0  # fetched and not yet handled: running, or waiting in a lane
        self._room = asyncio.Event()
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
        finally:
            await self.release(list(self._partitions), timeout_s=self.config.shutdown_timeout_s)
            await consumer.stop()
            self._consumer = None

    def stop(self) -> None:
        """Ask the loop to stop polling, finish its handlers, commit and leave the group."""
        self._stopping.set()
        self._room.set()

    @property
    def stopping(self) -> bool:
        """Whether `stop()` was called."""
        return self._stopping.is_set()

    @property
    def in_flight(self) -> int:
        """Records fetched and not yet handled (running, or waiting behind their key)."""
        return self._unhandled

    @property
    def unavailable(self) -> str | None:
        """The error a record is waiting out (a dependency away), or None."""
        return self._processor.unavailable

    def is_live(self) -> bool:
        """Liveness reflects progress: the loop polled recently and no handler is stuck."""
        now, limit = time.monotonic(), self.config.stall_after_s
        oldest = min(
            (start for part in self._partitions.values() for start in part.started.values()),
            default=now,
        )
        return now - self.last_poll < limit and now - oldest < limit

    async def _poll_once(self, consumer: KafkaConsumer) -> None:
        room = self._apply_backpressure(consumer)
        if room <= 0:  # every partition is paused; poll anyway to stay in the group
            self._room.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._room.wait(), self.config.poll_timeout_s)
        timeout_ms = int(self.config.poll_timeout_s * 1000) if room > 0 else 0
        batches = await consumer.getmany(timeout_ms=timeout_ms, max_records=max(room, 1))
        self.last_poll = time.monotonic()
        assigned = consumer.assignment()
        for tp, records in batches.items():
            if tp in assigned:  # records of a partition revoked meanwhile are not ours
                for record in records:
                    self._dispatch(tp, record)

    def _apply_backpressure(self, consumer: KafkaConsumer) -> int:
        """Pause what is full, resume what has room; how many records the next poll may take.

        A partition is full when its span of uncommittable offsets (from the handled prefix to
        the newest fetched) reaches `max_buffered_per_partition`; everything is full when
        `max_in_flight` records are unhandled. Handled records past a slow one cost an offset,
        not a slot: a slow LLM call must not hold back the records behind it."""
        room = self.config.max_in_flight - self._unhandled
        limit = self.config.max_buffered_per_partition
        paused, to_pause, to_resume = consumer.paused(), [], []
        take: int | None = None  # None while no partition may be fetched
        for tp in consumer.assignment():
            part = self._partitions.get(tp)
            headroom = min(room, limit - (part.offsets.outstanding if part else 0))
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

    def _dispatch(self, tp: TopicPartition, record: Record) -> None:
        part = self._partitions.setdefault(tp, _Partition())
        part.offsets.fetched(record.offset)
        part.unhandled += 1
        self._unhandled += 1
        lane = part.lanes.get(record.key)
        if lane is not None:  # the key is busy: its records stay in order behind it
            lane.append(record)
            return
        part.lanes[record.key] = deque([record])
        task = asyncio.create_task(self._drain(part, record.key))
        part.tasks.add(task)
        task.add_done_callback(part.tasks.discard)

    async def _drain(self, part: _Partition, key: bytes | None) -> None:
        """Handle one key's records in order until its lane is empty or the partition released."""
        lane = part.lanes[key]
        try:
            while lane and not part.released:
                record = lane[0]

                def attempt(offset: int = record.offset) -> None:
                    part.started[offset] = time.monotonic()

                await self._processor.process(record, attempt)  # it retries and dead-letters
                part.started.pop(record.offset, None)
                lane.popleft()
                part.offsets.handled(record.offset)
                self._freed(part, 1)
        except Exception:  # a bug, not a bad record: the record stays unhandled, never
            # committed, and its age fails liveness, so the process restarts and retries it
            log.exception("record handling crashed", extra={"key": repr(key)[:40]})
        finally:
            if part.lanes.get(key) is lane:
                del part.lanes[key]

    def _freed(self, part: _Partition, records: int) -> None:
        part.unhandled -= records
        self._unhandled -= records
        self._room.set()

    def assigned(self, partitions: Collection[TopicPartition]) -> None:
        """New partitions start from their committed offsets with fresh bookkeeping; `on_share`
        learns what share of each topic's partitions this process now owns."""
        for tp in partitions:
            self._partitions[tp] = _Partition()
        log.info("partitions assigned", extra={"partitions": sorted(map(str, partitions))})
        if self._on_share is not None and self._consumer is not None:
            self._on_share(self._shares(self._consumer, partitions))

    def _shares(
        self, consumer: KafkaConsumer, partitions: Collection[TopicPartition]
    ) -> dict[str, float]:
        shares = {}
        for topic in self._processor.handlers:
            total = len(consumer.partitions_for_topic(topic) or ())
            owned = sum(1 for tp in partitions if tp.topic == topic)
            shares[topic] = owned / total if total else 1.0
        return shares

    async def release(self, partitions: Collection[TopicPartition], *, timeout_s: float) -> None:
        """Stop dispatching these partitions, wait (bounded) for their running handlers, commit
        their handled prefix and forget them. Handlers still running after the wait are
        cancelled: their records are redelivered to the partition's next owner."""
        parts = {tp: self._partitions[tp] for tp in partitions if tp in self._partitions}
        for part in parts.values():
            part.released = True
        running = [task for part in parts.values() for task in part.tasks]
        if running:
            _, late = await asyncio.wait(running, timeout=timeout_s)
            for task in late:
                task.cancel()
            if late:
                log.warning("cancelled handlers after the release wait", extra={"n": len(late)})
                await asyncio.gather(*late, return_exceptions=True)
        await self._commit_quietly(only=set(parts))
        for tp, part in parts.items():
            if self._partitions.get(tp) is part:
                del self._partitions[tp]
            self._freed(part, part.unhandled)

    async def commit(self, only: set[TopicPartition] | None = None) -> None:
        """Commit, per partition, the offset below which every record is handled."""
        self._last_commit = time.monotonic()
        consumer = self._consumer
        offsets = {
            tp: offset
            for tp, part in self._partitions.items()
            if (only is None or tp in only) and (offset := part.offsets.to_commit()) is not None
        }
        if consumer is None or not offsets:
            return
        await consumer.commit({tp: OffsetAndMetadata(n, "") for tp, n in offsets.items()})
        for tp, offset in offsets.items():
            self._partitions[tp].offsets.committed(offset)

    async def _commit_quietly(self, only: set[TopicPartition] | None = None) -> None:
        """A failed commit (a rebalance under way, a broker away) is retried at the next one;
        meanwhile its records would only be redelivered, which handlers absorb."""
        try:
            await self.commit(only)
        except KafkaError as error:
            log.warning("offset commit failed (%r); retrying later", error)
