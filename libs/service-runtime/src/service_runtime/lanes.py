"""Fetched records by partition and key: one key's records run in order, keys side by side.

Each fetched record joins the lane of its (partition, key); a lane runs its records one after
another and different lanes run concurrently. The consumer loop bounds how many are fetched
(`ConsumerLoop._apply_backpressure`) and commits what `PartitionOffsets` says is handled.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Collection
from dataclasses import dataclass, field

from aiokafka import TopicPartition

from service_runtime.offsets import PartitionOffsets
from service_runtime.processing import Record, RecordProcessor

log = logging.getLogger(__name__)


@dataclass
class Partition:
    """One assigned partition: its offsets, its keys' lanes and the tasks draining them."""

    offsets: PartitionOffsets = field(default_factory=PartitionOffsets)
    lanes: dict[bytes | None, deque[Record]] = field(default_factory=dict)
    tasks: set[asyncio.Task[None]] = field(default_factory=set)
    started: dict[int, float] = field(default_factory=dict)
    unhandled: int = 0  # fetched, not yet handled
    released: bool = False


class Lanes:
    """The assigned partitions' records in flight, and the count the loop bounds."""

    def __init__(self, processor: RecordProcessor) -> None:
        self._processor = processor
        self.partitions: dict[TopicPartition, Partition] = {}
        self.unhandled = 0  # fetched and not yet handled: running, or waiting in a lane
        self.room = asyncio.Event()  # set whenever records are handled or forgotten

    def assign(self, partitions: Collection[TopicPartition]) -> None:
        """Fresh bookkeeping for newly assigned partitions."""
        for tp in partitions:
            self.partitions[tp] = Partition()

    def outstanding(self, tp: TopicPartition) -> int:
        """The partition's span of offsets not yet committable."""
        part = self.partitions.get(tp)
        return part.offsets.outstanding if part else 0

    def oldest_attempt(self, default: float) -> float:
        """When the longest-running attempt at a record started (`default` if none runs)."""
        starts = (s for part in self.partitions.values() for s in part.started.values())
        return min(starts, default=default)

    def dispatch(self, tp: TopicPartition, record: Record) -> None:
        """Queue the record behind its key, starting a lane for a key not yet busy."""
        part = self.partitions.setdefault(tp, Partition())
        part.offsets.fetched(record.offset)
        part.unhandled += 1
        self.unhandled += 1
        lane = part.lanes.get(record.key)
        if lane is not None:  # the key is busy: its records stay in order behind it
            lane.append(record)
            return
        part.lanes[record.key] = deque([record])
        task = asyncio.create_task(self._drain(part, record.key))
        part.tasks.add(task)
        task.add_done_callback(part.tasks.discard)

    async def _drain(self, part: Partition, key: bytes | None) -> None:
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

    def _freed(self, part: Partition, records: int) -> None:
        part.unhandled -= records
        self.unhandled -= records
        self.room.set()

    async def quiesce(
        self, partitions: Collection[TopicPartition], *, timeout_s: float
    ) -> dict[TopicPartition, Partition]:
        """Stop dispatching these partitions and wait (bounded) for their running handlers;
        those still running after the wait are cancelled, their records redelivered later."""
        parts = {tp: self.partitions[tp] for tp in partitions if tp in self.partitions}
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
        return parts

    def forget(self, parts: dict[TopicPartition, Partition]) -> None:
        """Drop released partitions' bookkeeping, freeing their records' slots."""
        for tp, part in parts.items():
            if self.partitions.get(tp) is part:
                del self.partitions[tp]
            self._freed(part, part.unhandled)
