"""The consumer loop on an in-memory consumer: key order, concurrency, bounds and commits."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import replace

import pytest
from aiokafka import TopicPartition
from botocore.exceptions import EndpointConnectionError

from feedback_contracts import Envelope, InboundMessage, topics
from feedback_contracts.kafka import to_kafka
from harness.memory_consumer import MemoryConsumer
from service_runtime.consumer_config import ConsumerConfig
from service_runtime.consuming import ConsumerLoop
from service_runtime.retry import RetryPolicy

pytestmark = pytest.mark.unit

TOPIC = topics.INBOUND_MESSAGES
TP = TopicPartition(TOPIC, 0)
CONFIG = ConsumerConfig(
    "unused", group_id="g", client_id="c", commit_interval_s=0.01, poll_timeout_s=0.01
)


class DeadLetters:
    def __init__(self) -> None:
        self.topics: list[str] = []

    async def publish_raw(self, topic: str, key: object, value: object, headers: object) -> None:
        self.topics.append(topic)


def add(consumer: MemoryConsumer, key: str, body: str, partition: int = 0) -> None:
    message = InboundMessage(message_sid="SM" + uuid.uuid4().hex, sender_id=key, body=body)
    record = to_kafka(Envelope.wrap(message, source="test", correlation_id=message.message_sid))
    consumer.add(TOPIC, partition, record.key, record.value, tuple(record.headers))


def body(envelope: Envelope) -> str:
    assert isinstance(envelope.data, InboundMessage)
    return envelope.data.body


@asynccontextmanager
async def running(
    consumer: MemoryConsumer,
    handler: Callable[[Envelope], Awaitable[None]],
    config: ConsumerConfig = CONFIG,
    dead_letters: DeadLetters | None = None,
) -> AsyncIterator[ConsumerLoop]:
    loop = ConsumerLoop(
        config,
        handlers={TOPIC: handler},
        dead_letters=dead_letters or DeadLetters(),
        consumer_factory=lambda _: consumer,
    )
    task = asyncio.create_task(loop.run())
    try:
        yield loop
    finally:
        loop.stop()
        await asyncio.wait_for(task, 10)


async def until(condition: Callable[[], bool]) -> None:
    async with asyncio.timeout(5):
        while not condition():
            await asyncio.sleep(0.005)


async def test_each_keys_records_run_in_order_and_keys_side_by_side() -> None:
    consumer, handled = MemoryConsumer(), []
    b_started = asyncio.Event()
    for key, text in [("a", "a1"), ("b", "b1"), ("a", "a2"), ("b", "b2"), ("a", "a3")]:
        add(consumer, key, text)

    async def handler(envelope: Envelope) -> None:
        if body(envelope) == "a1":  # handled alone, a1 would wait here forever
            await asyncio.wait_for(b_started.wait(), 5)
        if body(envelope).startswith("b"):
            b_started.set()
        handled.append(body(envelope))

    async with running(consumer, handler):
        await until(lambda: len(handled) == 5)
    assert [h for h in handled if h[0] == "a"] == ["a1", "a2", "a3"]
    assert [h for h in handled if h[0] == "b"] == ["b1", "b2"]
    assert consumer.committed(TP) == 5


async def test_never_commits_past_an_unhandled_record() -> None:
    consumer, handled = MemoryConsumer(), []
    release = asyncio.Event()
    for index in range(6):
        add(consumer, f"k{index}", f"m{index}")

    async def handler(envelope: Envelope) -> None:
        if body(envelope) == "m2":
            await release.wait()
        handled.append(body(envelope))

    async with running(consumer, handler) as loop:
        await until(lambda: len(handled) == 5)
        await asyncio.sleep(0.05)  # several commit intervals pass while m2 is running
        assert consumer.commits and all(c[TP] <= 2 for c in consumer.commits)
        assert loop.in_flight == 1  # only m2; the three handled after it wait to be committable
        release.set()
        await until(lambda: consumer.committed(TP) == 6)
    assert loop.in_flight == 0


async def test_in_flight_bound_pauses_and_resumes() -> None:
    consumer, running_now, peak, handled = MemoryConsumer(), 0, 0, 0
    for index in range(40):
        add(consumer, f"customer-{index}", "hello", partition=index % 2)

    async def handler(envelope: Envelope) -> None:
        nonlocal running_now, peak, handled
        running_now += 1
        peak = max(peak, running_now)
        await asyncio.sleep(0.01)
        running_now -= 1
        handled += 1

    config = replace(CONFIG, max_in_flight=8)
    async with running(consumer, handler, config):
        await until(lambda: handled == 40)
    assert 1 < peak <= 8
    assert consumer.ever_paused
    assert consumer.committed(TP) == 20 and consumer.committed(TP._replace(partition=1)) == 20


async def test_a_stuck_record_pauses_its_partition_at_the_buffer_bound() -> None:
    consumer, release, handled = MemoryConsumer(), asyncio.Event(), []
    for index in range(10):
        add(consumer, f"k{index}", f"m{index}")

    async def handler(envelope: Envelope) -> None:
        if body(envelope) == "m0":
            await release.wait()
        handled.append(body(envelope))

    config = replace(CONFIG, max_buffered_per_partition=4)
    async with running(consumer, handler, config):
        await until(lambda: len(handled) == 3)
        await asyncio.sleep(0.05)
        assert handled == ["m1", "m2", "m3"] and TP in consumer.paused_partitions
        release.set()
        await until(lambda: consumer.committed(TP) == 10)


async def test_polling_goes_on_while_handlers_run() -> None:
    consumer, release = MemoryConsumer(), asyncio.Event()
    add(consumer, "slow", "first")

    async def handler(envelope: Envelope) -> None:
        await release.wait()

    async with running(consumer, handler) as loop:
        await asyncio.sleep(0.02)
        polled = loop.last_poll
        await asyncio.sleep(0.05)
        assert loop.last_poll > polled and loop.is_live()
        add(consumer, "other", "second")  # fetched and started while "first" still runs
        await until(lambda: loop.in_flight == 2)
        release.set()
        await until(lambda: consumer.committed(TP) == 2)


async def test_revocation_waits_for_running_handlers_and_commits_their_prefix() -> None:
    consumer, handled = MemoryConsumer(), []
    stuck = asyncio.Event()
    for name in ("quick", "finishing", "stuck", "queued"):
        add(consumer, "same" if name in ("stuck", "queued") else name, name)

    async def handler(envelope: Envelope) -> None:
        if body(envelope) == "finishing":
            await asyncio.sleep(0.05)
        if body(envelope) == "stuck":
            await stuck.wait()  # never set: cancelled after the wait
        handled.append(body(envelope))

    config = replace(CONFIG, revoke_timeout_s=0.3, commit_interval_s=60)
    async with running(consumer, handler, config):
        await until(lambda: handled == ["quick"])
        await consumer.revoke(TP)
        assert sorted(handled) == ["finishing", "quick"]  # "queued" never started
        assert consumer.committed(TP) == 2  # below the cancelled "stuck" record


async def test_stop_commits_the_handled_prefix() -> None:
    consumer, handled = MemoryConsumer(), []
    for index in range(3):
        add(consumer, "one-customer", f"m{index}")

    async def handler(envelope: Envelope) -> None:
        handled.append(body(envelope))

    async with running(consumer, handler, replace(CONFIG, commit_interval_s=60)):
        await until(lambda: len(handled) == 3)
    assert consumer.committed(TP) == 3


async def test_a_malformed_record_is_dead_lettered_and_the_next_one_handled() -> None:
    consumer, handled, dead = MemoryConsumer(), [], DeadLetters()
    consumer.add(TOPIC, 0, b"k", b"{not json", (("ce_type", b"feedback.inbound-message.v1"),))
    add(consumer, "k", "fine")

    async def handler(envelope: Envelope) -> None:
        handled.append(body(envelope))

    async with running(consumer, handler, dead_letters=dead):
        await until(lambda: handled == ["fine"] and consumer.committed(TP) == 2)
    assert dead.topics == [topics.dead_letter(TOPIC)]


async def test_a_dependency_away_is_waited_out_past_the_attempt_limit() -> None:
    consumer, dead, calls = MemoryConsumer(), DeadLetters(), 0
    add(consumer, "k", "hello")

    async def handler(envelope: Envelope) -> None:
        nonlocal calls
        calls += 1
        if calls <= 8:  # DynamoDB refusing connections for longer than five attempts
            raise EndpointConnectionError(endpoint_url="http://dynamodb")

    config = replace(
        CONFIG, retry=RetryPolicy(max_attempts=3, backoff_s=0.001, max_backoff_s=0.002)
    )
    async with running(consumer, handler, config, dead) as loop:
        await until(lambda: loop.unavailable == "EndpointConnectionError")
        await until(lambda: consumer.committed(TP) == 1)
        assert loop.unavailable is None
    assert calls == 9 and dead.topics == []


async def test_a_failure_that_is_not_transient_is_dead_lettered_after_its_attempts() -> None:
    consumer, dead, calls = MemoryConsumer(), DeadLetters(), 0
    add(consumer, "k", "hello")

    async def handler(envelope: Envelope) -> None:
        nonlocal calls
        calls += 1
        raise ValueError("this event can never be handled")

    config = replace(CONFIG, retry=RetryPolicy(max_attempts=3, backoff_s=0.001))
    async with running(consumer, handler, config, dead):
        await until(lambda: consumer.committed(TP) == 1)
    assert calls == 3 and dead.topics == [topics.dead_letter(TOPIC)]


async def test_an_outage_longer_than_the_configured_wait_is_dead_lettered() -> None:
    consumer, dead = MemoryConsumer(), DeadLetters()
    add(consumer, "k", "hello")

    async def handler(envelope: Envelope) -> None:
        raise ConnectionRefusedError("store down for good")

    config = replace(
        CONFIG, retry=RetryPolicy(backoff_s=0.001, max_backoff_s=0.01, max_outage_wait_s=0.1)
    )
    async with running(consumer, handler, config, dead):
        await until(lambda: consumer.committed(TP) == 1)
    assert dead.topics == [topics.dead_letter(TOPIC)]


async def test_each_assignment_reports_the_share_of_partitions_owned() -> None:
    consumer, shares = MemoryConsumer(), []
    add(consumer, "a", "one", partition=0)
    add(consumer, "b", "two", partition=1)

    async def handler(envelope: Envelope) -> None:
        pass

    loop = ConsumerLoop(
        CONFIG,
        handlers={TOPIC: handler},
        dead_letters=DeadLetters(),
        on_share=shares.append,
        consumer_factory=lambda _: consumer,
    )
    task = asyncio.create_task(loop.run())
    await until(lambda: bool(shares))
    loop.assigned([TP])  # a rebalance left this process one of the two partitions
    loop.stop()
    await task
    assert shares == [{TOPIC: 1.0}, {TOPIC: 0.5}]
