"""Reading events back from real Kafka topics in tests."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable

from aiokafka import AIOKafkaConsumer

from feedback_contracts import ContractError, Envelope, from_kafka


async def read_until(
    bootstrap: str, topic: str, done: Callable[[list[Envelope]], bool], *, timeout_s: float = 30
) -> list[Envelope]:
    """Every event of `topic` from the start until `done(seen)` is true; fails on timeout."""
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        group_id=f"test-reader-{uuid.uuid4().hex}",
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    await consumer.start()
    seen: list[Envelope] = []
    try:
        async with asyncio.timeout(timeout_s):
            while not done(seen):
                batches = await consumer.getmany(timeout_ms=200)
                for records in batches.values():
                    for record in records:
                        try:
                            seen.append(from_kafka(record.value, list(record.headers)))
                        except ContractError:
                            continue
    finally:
        await consumer.stop()
    return seen


def with_correlation(correlation_id: str) -> Callable[[list[Envelope]], bool]:
    """`done` for `read_until`: an event with this correlation id arrived."""
    return lambda seen: any(item.correlation_id == correlation_id for item in seen)


async def wait_for(condition: Callable[[], bool], *, timeout_s: float = 30) -> None:
    """Poll a condition until it holds; fails on timeout."""
    async with asyncio.timeout(timeout_s):
        while not condition():
            await asyncio.sleep(0.05)
