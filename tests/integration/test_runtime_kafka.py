"""The runtime against a real Kafka broker: envelope, trace context, redelivery, dead letters."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import textwrap
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

import pytest
from aiokafka import AIOKafkaConsumer
from opentelemetry import trace
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from feedback_contracts import Envelope, InboundMessage, topics
from feedback_contracts.kafka import to_kafka
from harness.topics import wait_for
from service_runtime.consumer_config import ConsumerConfig
from service_runtime.consuming import ConsumerLoop
from service_runtime.kafka_publisher import KafkaPublisher
from service_runtime.retry import RetryPolicy

pytestmark = pytest.mark.integration


def inbound(body: str = "hello") -> Envelope:
    sid = "SM" + uuid.uuid4().hex
    event = InboundMessage(message_sid=sid, sender_id="whatsapp:+15550001111", body=body)
    return Envelope.wrap(event, source="test", correlation_id=sid)


@asynccontextmanager
async def running_loop(
    bootstrap: str, group: str, handler: Callable[[Envelope], Awaitable[None]]
) -> AsyncIterator[KafkaPublisher]:
    publisher = KafkaPublisher(bootstrap, client_id=group)
    await publisher.start()
    config = ConsumerConfig(
        bootstrap, group_id=group, client_id=group, retry=RetryPolicy(backoff_s=0.05)
    )
    loop = ConsumerLoop(config, handlers={topics.INBOUND_MESSAGES: handler}, dead_letters=publisher)
    task = asyncio.create_task(loop.run())
    try:
        yield publisher
    finally:
        loop.stop()
        await task
        await publisher.stop()


async def test_event_keeps_envelope_and_trace_context(
    kafka_bootstrap: str, span_exporter: InMemorySpanExporter
) -> None:
    received: list[tuple[Envelope, int]] = []

    async def handler(envelope: Envelope) -> None:
        received.append((envelope, trace.get_current_span().get_span_context().trace_id))

    sent = inbound()
    async with running_loop(kafka_bootstrap, f"g-{uuid.uuid4().hex}", handler) as publisher:
        with trace.get_tracer("test").start_as_current_span("webhook") as span:
            await publisher.publish(sent)
            sent_trace = span.get_span_context().trace_id
        await wait_for(lambda: any(env.id == sent.id for env, _ in received))

    got, handler_trace = next(item for item in received if item[0].id == sent.id)
    assert got == sent
    assert got.correlation_id == sent.data.message_sid  # type: ignore[attr-defined]
    assert handler_trace == sent_trace


CHILD = textwrap.dedent(
    """
    import asyncio, os, sys
    from feedback_contracts import topics
    from service_runtime.consumer_config import ConsumerConfig
    from service_runtime.consuming import ConsumerLoop
    from service_runtime.kafka_publisher import KafkaPublisher

    bootstrap, group, marker = sys.argv[1:4]

    async def handler(envelope):
        if envelope.data.body == marker:
            print("handled", envelope.id, flush=True)
            os._exit(9)  # killed after handling, before the offset is committed

    async def main():
        publisher = KafkaPublisher(bootstrap, client_id=group)
        config = ConsumerConfig(bootstrap, group_id=group, client_id=group)
        loop = ConsumerLoop(config, handlers={topics.INBOUND_MESSAGES: handler},
                            dead_letters=publisher)
        await loop.run()

    asyncio.run(main())
    """
)


async def test_killed_before_commit_gets_event_again(kafka_bootstrap: str) -> None:
    group, marker = f"g-{uuid.uuid4().hex}", uuid.uuid4().hex
    publisher = KafkaPublisher(kafka_bootstrap, client_id="test")
    sent = inbound(body=marker)
    await publisher.publish(sent)
    await publisher.stop()

    def run_child() -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-c", CHILD, kafka_bootstrap, group, marker],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    first = await asyncio.to_thread(run_child)
    assert first.returncode == 9, first.stderr
    assert f"handled {sent.id}" in first.stdout
    second = await asyncio.to_thread(run_child)
    assert second.returncode == 9, second.stderr
    assert f"handled {sent.id}" in second.stdout


async def test_malformed_event_goes_to_dlq_and_next_is_processed(kafka_bootstrap: str) -> None:
    handled: list[Envelope] = []

    async def handler(envelope: Envelope) -> None:
        handled.append(envelope)

    bad = to_kafka(inbound())
    bad_value = b'{"message_sid": 42, "sender_id": null'
    good = inbound()
    async with running_loop(kafka_bootstrap, f"g-{uuid.uuid4().hex}", handler) as publisher:
        await publisher.publish_raw(bad.topic, bad.key, bad_value, bad.headers)
        await publisher.publish(good)
        await wait_for(lambda: any(env.id == good.id for env in handled))

    bad_id = dict(bad.headers)["ce_id"].decode()
    dead = await read_dead_letter(
        kafka_bootstrap, topics.dead_letter(topics.INBOUND_MESSAGES), bad_id
    )
    assert dead.value == bad_value
    assert dead.key == bad.key
    assert dead.headers["dlq_error_type"] == b"ContractError"
    assert b"invalid feedback.inbound-message.v1 payload" in dead.headers["dlq_reason"]
    assert dead.headers["dlq_original_topic"] == topics.INBOUND_MESSAGES.encode()
    assert dead.headers["ce_type"] == b"feedback.inbound-message.v1"  # original headers kept


class DeadLetter:
    def __init__(self, key: bytes | None, value: bytes | None, headers: dict[str, bytes]) -> None:
        self.key, self.value, self.headers = key, value, headers


async def read_dead_letter(bootstrap: str, topic: str, ce_id: str) -> DeadLetter:
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        auto_offset_reset="earliest",
        group_id=f"reader-{uuid.uuid4().hex}",
    )
    await consumer.start()
    try:
        async with asyncio.timeout(30):
            async for record in consumer:
                headers = dict(record.headers)
                if headers.get("ce_id") == ce_id.encode():
                    return DeadLetter(record.key, record.value, headers)
    finally:
        await consumer.stop()
    raise AssertionError("unreachable")
