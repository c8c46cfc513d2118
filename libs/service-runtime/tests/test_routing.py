"""Handlers registered by event type: routed by type and version, a stray type dead-lettered."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest

from feedback_contracts import (
    Envelope,
    FeedbackCompleted,
    FeedbackCompletedV2,
    LlmUsage,
    ReplyFailed,
    ReplySent,
    topics,
)
from feedback_contracts.kafka import to_kafka
from service_runtime.processing import RecordProcessor
from service_runtime.retry import RetryPolicy
from service_runtime.routing import by_topic, on

pytestmark = pytest.mark.unit


def completed(**extra: object) -> FeedbackCompleted:
    fields = {
        "session_id": "s1",
        "sender_id": "whatsapp:+15550001",
        "product_name": "kettle",
        "feedback_text": "leaks",
        "completed_at": datetime.now(UTC),
    }
    cls = FeedbackCompletedV2 if extra else FeedbackCompleted
    return cls.model_validate(fields | extra)


def wrapped(event: FeedbackCompleted | ReplySent) -> Envelope:
    return Envelope.wrap(event, source="test", correlation_id="SM" + uuid.uuid4().hex)


class Record:
    def __init__(self, envelope: Envelope) -> None:
        kafka = to_kafka(envelope)
        self.topic, self.partition, self.offset = kafka.topic, 0, 0
        self.key, self.value, self.headers = kafka.key, kafka.value, tuple(kafka.headers)


class DeadLetters:
    def __init__(self) -> None:
        self.reasons: list[str] = []

    async def publish_raw(self, topic: str, key: object, value: object, headers: object) -> None:
        self.reasons += [v.decode() for k, v in headers if k == "dlq_reason"]


async def test_each_event_reaches_the_handler_of_its_type() -> None:
    seen: list[tuple[str, str]] = []

    async def on_completed(event: FeedbackCompleted, envelope: Envelope) -> None:
        seen.append(("completed", envelope.type))

    async def on_sent(event: ReplySent, envelope: Envelope) -> None:
        seen.append(("sent", event.reply_id))

    handlers = by_topic(on(FeedbackCompleted, on_completed), on(ReplySent, on_sent))
    assert set(handlers) == {topics.FEEDBACK_COMPLETED, topics.REPLY_OUTCOMES}
    usage = LlmUsage(model=None, input_tokens=0, output_tokens=0, estimated_cost_usd=0)
    await handlers[topics.FEEDBACK_COMPLETED](wrapped(completed()))
    await handlers[topics.FEEDBACK_COMPLETED](wrapped(completed(llm_usage=usage)))
    sent = ReplySent(reply_id="r1", recipient="whatsapp:+15550001", twilio_message_sids=["SM1"])
    await handlers[topics.REPLY_OUTCOMES](wrapped(sent))
    # A later version that extends the one a handler takes reaches that handler.
    assert seen == [
        ("completed", "feedback.feedback-completed.v1"),
        ("completed", "feedback.feedback-completed.v2"),
        ("sent", "r1"),
    ]


async def test_a_type_no_handler_takes_is_dead_lettered_with_the_reason() -> None:
    async def on_failed(event: ReplyFailed, envelope: Envelope) -> None:
        raise AssertionError("not this one")

    dead = DeadLetters()
    processor = RecordProcessor(
        by_topic(on(ReplyFailed, on_failed)), dead_letters=dead, group="g", retry=RetryPolicy()
    )
    sent = ReplySent(reply_id="r1", recipient="whatsapp:+15550001", twilio_message_sids=["SM1"])
    await processor.process(Record(wrapped(sent)))
    assert len(dead.reasons) == 1
    assert "feedback.reply-sent.v1" in dead.reasons[0]
