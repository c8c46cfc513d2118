"""An in-memory stand-in for aiokafka's consumer, for unit tests of the consumer loop.

It records every commit and pause, serves records from unpaused partitions in offset order,
and lets a test drive a rebalance through the loop's listener as the group coordinator would.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass, field

from aiokafka import ConsumerRebalanceListener, TopicPartition
from aiokafka.structs import OffsetAndMetadata


@dataclass(frozen=True)
class MemoryRecord:
    """A record as the loop sees one."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    headers: tuple[tuple[str, bytes], ...] = ()


@dataclass
class MemoryConsumer:
    """Partitions of records, positions, pauses and the commits the loop made."""

    records: dict[TopicPartition, list[MemoryRecord]] = field(default_factory=dict)
    commits: list[dict[TopicPartition, int]] = field(default_factory=list)
    paused_partitions: set[TopicPartition] = field(default_factory=set)
    ever_paused: bool = False
    _positions: dict[TopicPartition, int] = field(default_factory=dict)
    _listener: ConsumerRebalanceListener | None = None
    _assigned: set[TopicPartition] = field(default_factory=set)

    def add(
        self,
        topic: str,
        partition: int,
        key: bytes | None,
        value: bytes | None,
        headers: tuple[tuple[str, bytes], ...] = (),
    ) -> MemoryRecord:
        """Append a record to a partition (assigned to this consumer)."""
        tp = TopicPartition(topic, partition)
        rows = self.records.setdefault(tp, [])
        record = MemoryRecord(topic, partition, len(rows), key, value, headers)
        rows.append(record)
        self._assigned.add(tp)
        return record

    def committed(self, tp: TopicPartition) -> int:
        """The last offset committed for a partition (0 when none was)."""
        return next((c[tp] for c in reversed(self.commits) if tp in c), 0)

    async def revoke(self, *partitions: TopicPartition) -> None:
        """Take partitions away, as a rebalance does: the listener runs first."""
        assert self._listener is not None
        await self._listener.on_partitions_revoked(list(partitions))
        self._assigned -= set(partitions)

    def subscribe(self, topics: list[str], listener: ConsumerRebalanceListener) -> None:
        self._listener = listener

    async def start(self) -> None:
        assert self._listener is not None
        await self._listener.on_partitions_assigned(sorted(self._assigned))

    async def stop(self) -> None:
        pass

    async def getmany(
        self, timeout_ms: int = 0, max_records: int | None = None
    ) -> Mapping[TopicPartition, list[MemoryRecord]]:
        budget = max_records or 500
        batches: dict[TopicPartition, list[MemoryRecord]] = {}
        for tp in sorted(self._assigned - self.paused_partitions):
            start = self._positions.get(tp, self.committed(tp))
            taken = self.records.get(tp, [])[start : start + budget]
            if taken:
                batches[tp] = taken
                self._positions[tp] = start + len(taken)
                budget -= len(taken)
        if not batches:
            await asyncio.sleep(timeout_ms / 1000)
        return batches

    async def commit(self, offsets: Mapping[TopicPartition, OffsetAndMetadata]) -> None:
        assert set(offsets) <= self._assigned, "committed a partition it does not own"
        self.commits.append({tp: meta.offset for tp, meta in offsets.items()})

    def assignment(self) -> set[TopicPartition]:
        return set(self._assigned)

    def paused(self) -> set[TopicPartition]:
        return set(self.paused_partitions)

    def partitions_for_topic(self, topic: str) -> set[int] | None:
        return {tp.partition for tp in self.records if tp.topic == topic} or None

    def pause(self, *partitions: TopicPartition) -> None:
        self.paused_partitions |= set(partitions)
        self.ever_paused = True

    def resume(self, *partitions: TopicPartition) -> None:
        self.paused_partitions -= set(partitions)
