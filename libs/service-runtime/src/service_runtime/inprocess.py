"""An in-process event bus for the one-command local run: Kafka's semantics that matter here.

Topics, consumer groups (each group gets every event), per-key order (a key always lands in the
same lane, lanes are consumed one event at a time), the same CloudEvents binding and trace
headers, and the same processing (retries, dead letters) as the Kafka consumer loop. Events
live in memory only: this is for trying the system, not for running it.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import time
import zlib
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from feedback_contracts import Envelope, to_kafka
from service_runtime.processing import Handler, RecordProcessor
from service_runtime.retry import RetryPolicy
from service_runtime.tracing import inject_headers

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class BusRecord:
    """An event in a lane, shaped like a Kafka record."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    headers: Sequence[tuple[str, bytes]]


class InProcessBus:
    """Publisher and consumer groups in one process."""

    def __init__(self, *, lanes: int = 4, retry: RetryPolicy | None = None) -> None:
        self._lanes = lanes
        self._retry = retry or RetryPolicy()
        self._groups: dict[str, list[list[asyncio.Queue[BusRecord]]]] = defaultdict(list)
        self._offsets = itertools.count()
        self.dead_letters: list[BusRecord] = []

    async def publish(self, envelope: Envelope) -> None:
        """Bind the event as for Kafka (with the current trace context) and deliver it."""
        record = to_kafka(envelope)
        await self.publish_raw(
            record.topic, record.key, record.value, [*record.headers, *inject_headers()]
        )

    async def publish_raw(
        self,
        topic: str,
        key: bytes | None,
        value: bytes | None,
        headers: Sequence[tuple[str, bytes]],
    ) -> None:
        """Put the event in the key's lane of every group reading `topic`."""
        lane = zlib.crc32(key or b"") % self._lanes
        record = BusRecord(topic, lane, next(self._offsets), key, value, list(headers))
        if topic.endswith(".dlq"):
            self.dead_letters.append(record)
            return
        for lanes in self._groups.get(topic, []):
            lanes[lane].put_nowait(record)

    async def ping(self) -> bool:
        """Always reachable."""
        return True

    async def stop(self) -> None:
        """Nothing to flush."""

    def subscribe(self, group: str, handlers: Mapping[str, Handler]) -> BusConsumer:
        """A consumer group reading the handlers' topics."""
        lanes: list[asyncio.Queue[BusRecord]] = [asyncio.Queue() for _ in range(self._lanes)]
        for topic in handlers:
            self._groups[topic].append(lanes)
        processor = RecordProcessor(handlers, dead_letters=self, group=group, retry=self._retry)
        return BusConsumer(processor, lanes)


class BusConsumer:
    """Works through each lane in order, the lanes side by side."""

    def __init__(self, processor: RecordProcessor, lanes: list[asyncio.Queue[BusRecord]]) -> None:
        self._processor = processor
        self._lanes = lanes
        self._stopping = asyncio.Event()
        self.last_progress = time.monotonic()

    async def run(self) -> None:
        """Consume until `stop()`."""
        workers = [asyncio.create_task(self._work(lane)) for lane in self._lanes]
        await self._stopping.wait()
        for worker in workers:
            worker.cancel()
        await asyncio.gather(*workers, return_exceptions=True)

    async def _work(self, lane: asyncio.Queue[BusRecord]) -> None:
        while True:
            record = await lane.get()
            await self._processor.process(record)
            self.last_progress = time.monotonic()

    def stop(self) -> None:
        """Stop after the events in hand."""
        self._stopping.set()

    @property
    def stopping(self) -> bool:
        """Whether `stop()` was called."""
        return self._stopping.is_set()

    @property
    def unavailable(self) -> str | None:
        """The error a record is waiting out, or None."""
        return self._processor.unavailable

    def is_live(self) -> bool:
        """Always live while the process is."""
        return True
