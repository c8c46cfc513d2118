"""The system under load and faults: a SIGKILL with many LLM calls in flight, replicas joining,
DynamoDB away. Every message gets exactly one reply, and nothing is dead-lettered."""

from __future__ import annotations

import asyncio
import threading
import time
import uuid
from collections import Counter

import boto3
import httpx
import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition

from feedback_contracts import topics
from harness.relay import Relay
from standins.openai_api import Latency, acknowledging_responder
from standins.twilio_webhooks import inbound_params, post_signed

from .conftest import World, wait

pytestmark = pytest.mark.e2e
MESSAGES = 150


def test_killed_with_many_in_flight_every_message_gets_exactly_one_reply(world: World) -> None:
    world.llm.default = acknowledging_responder
    world.llm.latency = Latency(median_s=4.0)  # a slow model: every call takes seconds
    config, run = world.system.config, uuid.uuid4().int % 10**4
    bodies = [f"crash-{run}-{index}" for index in range(MESSAGES)]
    url = f"{world.system.urls['ingress']}/twilio/messages"
    asked_before = len(world.llm.requests)

    def replies() -> Counter[str]:
        said = (m.body.removeprefix("Noted: ") for m in world.twilio.messages)
        return Counter(body for body in said if body in set(bodies))

    try:
        with httpx.Client(timeout=20) as client:
            for index, body in enumerate(bodies):
                params = inbound_params(
                    account_sid=config.account_sid,
                    sender=f"whatsapp:+1556{run:04d}{index:03d}",
                    to=config.business_number,
                    body=body,
                )
                assert post_signed(client, url, params, config.auth_token).status_code == 200
        wait(
            lambda: len(world.llm.requests) - asked_before >= 100,
            30,
            "the analyzer never had 100 LLM calls in flight",
        )
        replied_before_kill = len(replies())
        world.system.kill("analyzer")
        world.system.start("analyzer")
        world.system.wait_ready("analyzer")
        world.llm.latency = Latency()
        wait(lambda: len(replies()) == MESSAGES, 120, f"replies: {len(replies())}/{MESSAGES}")
        time.sleep(3)  # anything sent twice would arrive now
    finally:
        world.llm.latency = Latency()
    assert replied_before_kill < MESSAGES  # the kill really caught messages in flight
    assert set(replies().values()) == {1}


def test_replicas_joining_mid_load_lose_nothing_and_send_nothing_twice(world: World) -> None:
    world.llm.default = acknowledging_responder
    world.llm.latency = Latency(median_s=0.5, sigma=0.6)
    config, run = world.system.config, uuid.uuid4().int % 10**4
    bodies = [f"join-{run}-{index}" for index in range(300)]
    url = f"{world.system.urls['ingress']}/twilio/messages"

    def replies() -> Counter[str]:
        said = (m.body.removeprefix("Noted: ") for m in world.twilio.messages)
        return Counter(body for body in said if body in set(bodies))

    try:
        with httpx.Client(timeout=20) as client:
            for index, body in enumerate(bodies):
                if index == 100:  # a second analyzer and messenger join the groups mid-load
                    world.system.start("analyzer-2", service="analyzer")
                    world.system.start("messenger-2", service="messenger")
                params = inbound_params(
                    account_sid=config.account_sid,
                    sender=f"whatsapp:+1557{run:04d}{index % 60:03d}",
                    to=config.business_number,
                    body=body,
                )
                assert post_signed(client, url, params, config.auth_token).status_code == 200
                time.sleep(0.02)
        world.system.wait_ready("analyzer-2")
        world.system.wait_ready("messenger-2")
        wait(lambda: len(replies()) == len(bodies), 120, f"replies: {len(replies())}/300")
        time.sleep(3)
    finally:
        world.llm.latency = Latency()
        for replica in ("analyzer-2", "messenger-2"):
            if replica in world.system.processes:
                world.system.kill(replica)
                del world.system.processes[replica]
    assert set(replies().values()) == {1}


async def dead_letters(bootstrap: str, topic: str) -> int:
    """How many records a dead-letter topic holds."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=f"count-{uuid.uuid4().hex}")
    await consumer.start()
    try:
        partitions = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic) or ()]
        ends = await consumer.end_offsets(partitions) if partitions else {}
        return sum(ends.values())
    finally:
        await consumer.stop()


def test_dynamodb_unreachable_for_ten_seconds_loses_nothing(world: World) -> None:
    world.llm.default = acknowledging_responder
    config, run = world.system.config, uuid.uuid4().int % 10**4
    dlq = topics.dead_letter(topics.INBOUND_MESSAGES)
    dead_before = asyncio.run(dead_letters(config.kafka, dlq))
    relay = Relay(int(config.aws_endpoint.rsplit(":", 1)[1]))
    world.system.stop_one("analyzer")  # the analyzer reaches DynamoDB through the relay
    world.system.start("analyzer-relayed", service="analyzer", env={"AWS_ENDPOINT_URL": relay.url})
    bodies = [f"outage-{run}-{index}" for index in range(400)]
    url = f"{world.system.urls['ingress']}/twilio/messages"

    def replies() -> Counter[str]:
        said = (m.body.removeprefix("Noted: ") for m in world.twilio.messages)
        return Counter(body for body in said if body in set(bodies))

    back = threading.Timer(10, relay.accept)
    try:
        world.system.wait_ready("analyzer-relayed")
        with httpx.Client(timeout=20) as client:
            for index, body in enumerate(bodies):
                if index == 80:  # 2 s into the load, DynamoDB refuses connections for 10 s
                    relay.refuse()
                    back.start()
                params = inbound_params(
                    account_sid=config.account_sid,
                    sender=f"whatsapp:+1558{run:04d}{index % 100:03d}",
                    to=config.business_number,
                    body=body,
                )
                assert post_signed(client, url, params, config.auth_token).status_code == 200
                time.sleep(0.025)  # 40 webhooks a second
        back.join()
        wait(lambda: len(replies()) == len(bodies), 120, f"replies: {len(replies())}/400")
        time.sleep(3)
    finally:
        back.cancel()
        relay.accept()
        world.system.stop_one("analyzer-relayed")
        world.system.start("analyzer")
        world.system.wait_ready("analyzer")
        relay.stop()
    assert set(replies().values()) == {1}
    assert asyncio.run(dead_letters(config.kafka, dlq)) == dead_before


def test_messenger_killed_with_sends_in_flight_delivers_each_reply_once(world: World) -> None:
    world.llm.default = acknowledging_responder
    world.twilio.send_latency_s = 0.1  # Twilio's API takes its time to accept each message
    config, run = world.system.config, uuid.uuid4().int % 10**4
    bodies = [f"settle-{run}-{index}" for index in range(200)]
    url = f"{world.system.urls['ingress']}/twilio/messages"

    def replies() -> Counter[str]:
        said = (m.body.removeprefix("Noted: ") for m in world.twilio.messages)
        return Counter(body for body in said if body in set(bodies))

    try:
        with httpx.Client(timeout=20) as client:
            for index, body in enumerate(bodies):
                params = inbound_params(
                    account_sid=config.account_sid,
                    sender=f"whatsapp:+1559{run:04d}{index % 100:03d}",
                    to=config.business_number,
                    body=body,
                )
                assert post_signed(client, url, params, config.auth_token).status_code == 200
        wait(lambda: len(replies()) >= 5, 30, "no replies before the kill")
        world.system.kill("messenger")  # sends in flight: some reached Twilio, some not
        replied_before_restart = len(replies())
        unsettled = claims_in_sending(world)
        world.system.start("messenger")
        world.system.wait_ready("messenger")
        wait(lambda: len(replies()) == len(bodies), 120, f"replies: {len(replies())}/200")
        time.sleep(3)
    finally:
        world.twilio.send_latency_s = 0.0
    assert replied_before_restart < len(bodies)
    assert unsettled, "the kill left no send unsettled"
    assert set(replies().values()) == {1}


def claims_in_sending(world: World) -> list[str]:
    """Reply parts the messenger claimed and never marked sent."""
    dynamodb = boto3.resource(
        "dynamodb", region_name="us-east-1", endpoint_url=world.system.config.aws_endpoint
    )
    items = dynamodb.Table("outbound_messages").scan()["Items"]
    return [str(item["part_key"]) for item in items if item["state"] == "sending"]
