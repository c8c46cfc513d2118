"""A conversation at the production log level leaves no phone number or message text in any
service's log, nor in the reasons of dead letters."""

from __future__ import annotations

import asyncio
import time
import uuid
from datetime import UTC, datetime
from urllib.parse import quote

import httpx
import pytest
from aiokafka import AIOKafkaConsumer

from feedback_contracts import Envelope, FeedbackCompleted, topics
from feedback_contracts.kafka import to_kafka
from harness.system import SystemConfig
from service_runtime.kafka_publisher import KafkaPublisher
from standins.openai_verdicts import verdict
from standins.twilio_webhooks import inbound_params, post_signed

from .conftest import World, wait

pytestmark = pytest.mark.e2e
PRODUCT, OPINION = "Zorblax Aurora kettle", "The Zorblax lid squeaks terribly"


def test_logs_and_dead_letter_reasons_hold_no_personal_data(world: World) -> None:
    info_system = world.system  # the e2e system logs at INFO, as production does
    digits = f"1557{uuid.uuid4().int % 10**7:07d}"
    number, config = f"whatsapp:+{digits}", info_system.config
    url = f"{info_system.urls['ingress']}/twilio/messages"
    # "Hello there" is a control turn, answered without the LLM (analyzer.control).
    world.llm.answer_json(**verdict("What do you think?", "ask_feedback", product_name=PRODUCT))
    world.llm.answer_json(
        **verdict(
            "Recorded, thanks!",
            "done",
            is_feedback_session_complete=True,
            product_name=PRODUCT,
            feedback=OPINION,
        )
    )
    with httpx.Client(timeout=20) as client:
        for index, text in enumerate(("Hello there", PRODUCT, OPINION)):
            params = inbound_params(
                account_sid=config.account_sid, sender=number, to=config.business_number, body=text
            )
            assert post_signed(client, url, params, config.auth_token).status_code == 200
            wait(lambda n=index: len(world.twilio.sent_to(number)) > n, 60, "no reply")
        headers = {"Authorization": f"Bearer {config.api_secret}"}
        read = f"{info_system.urls['persistence']}/feedback"
        wait(
            lambda: (
                client.get(read, params={"sender_id": number}, headers=headers).json()["total"] == 1
            ),
            60,
            "no feedback row",
        )
    reasons = asyncio.run(dead_letter_reasons(config, number))
    # The business asks the customer for feedback (a template send) ...
    sent_before = len(world.twilio.sent_to(number))
    request = {"to": number, "product": PRODUCT, "order_ref": "A-1"}
    info_system.api("POST", "/feedback-requests", {"recipients": [request]})
    wait(lambda: len(world.twilio.sent_to(number)) > sent_before, 60, "no template sent")
    # ... and then erases them: the number travels in the request's path, and in every
    # service's erasure step.
    erasure = info_system.api("DELETE", f"/customers/{quote(number)}")
    wait(
        lambda: info_system.api("GET", f"/erasures/{erasure['id']}")["status"] == "completed",
        60,
        "the erasure did not complete",
    )
    logs = "\n".join(path.read_text(errors="replace") for path in info_system.workdir.glob("*.log"))
    assert "INFO" in logs  # the services did log at the production level
    time.sleep(1)  # the services export their spans every 200 ms
    spans = "\n".join(f"{span.name} {span.attributes}" for span in world.spans.spans)
    assert "/customers/" in spans  # the erasure's request was traced
    for secret in (digits, digits[-7:], PRODUCT, OPINION, "Hello there"):
        assert secret not in logs, f"{secret!r} in a service log"
        assert all(secret not in reason for reason in reasons), f"{secret!r} in a dlq_reason"
        assert secret not in spans, f"{secret!r} in a span exported to the collector"


async def dead_letter_reasons(config: SystemConfig, number: str) -> list[str]:
    """Dead-letter a malformed event that carries the customer's data; its reasons."""
    completed = FeedbackCompleted(
        session_id=uuid.uuid4().hex,
        sender_id=number,
        product_name=PRODUCT,
        feedback_text=OPINION,
        completed_at=datetime.now(UTC),
    )
    bad = to_kafka(Envelope.wrap(completed, source="log-scan", correlation_id="SM-log-scan"))
    # The product name wrapped in a list: invalid, and pydantic's message would quote it.
    wrapped = f'"product_name":["{PRODUCT}"]'.encode()
    value = bad.value.replace(f'"product_name":"{PRODUCT}"'.encode(), wrapped)
    assert value != bad.value
    publisher = KafkaPublisher(config.kafka, client_id="log-scan")
    await publisher.start()
    await publisher.publish_raw(bad.topic, bad.key, value, bad.headers)
    await publisher.stop()
    consumer = AIOKafkaConsumer(
        topics.dead_letter(topics.FEEDBACK_COMPLETED),
        bootstrap_servers=config.kafka,
        auto_offset_reset="earliest",
        group_id=f"scan-{uuid.uuid4().hex}",
    )
    await consumer.start()
    reasons: list[str] = []
    try:
        async with asyncio.timeout(60):
            async for record in consumer:
                found = dict(record.headers)
                if found.get("ce_id") == dict(bad.headers)["ce_id"]:
                    reasons.append(found["dlq_reason"].decode())
                    if len(reasons) == 2:  # media's and persistence's
                        return reasons
    finally:
        await consumer.stop()
    raise AssertionError("unreachable")
