"""The system under load and faults: a SIGKILL with many LLM calls in flight, replicas joining,
DynamoDB away. Every message gets exactly one reply, and nothing is dead-lettered."""

from __future__ import annotations

import asyncio
import random
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import boto3
import httpx
import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition

from feedback_contracts import topics
from harness.relay import Relay
from standins.faults import Faults
from standins.openai_state import Latency
from standins.openai_verdicts import acknowledging_responder
from standins.twilio_webhooks import inbound_params, post_signed

from .conftest import World, wait

pytestmark = pytest.mark.e2e


class Load:
    """Signed webhooks with distinct bodies from `customers` numbers, and the replies to them."""

    def __init__(self, world: World, label: str, count: int, *, customers: int) -> None:
        run = uuid.uuid4().int % 10**4
        self.world = world
        self.bodies = [f"{label}-{run}-{index}" for index in range(count)]
        self._senders = [f"whatsapp:+1556{run:04d}{i % customers:03d}" for i in range(count)]

    def post(self, *, pause_s: float = 0.0, before: Callable[[int], None] = lambda _: None) -> None:
        """Post every webhook (`before(index)` first), `pause_s` apart; each must get a 200."""
        config = self.world.system.config
        url = f"{self.world.system.urls['ingress']}/twilio/messages"
        with httpx.Client(timeout=20) as client:
            for index, (body, sender) in enumerate(zip(self.bodies, self._senders, strict=True)):
                before(index)
                params = inbound_params(
                    account_sid=config.account_sid,
                    sender=sender,
                    to=config.business_number,
                    body=body,
                )
                assert post_signed(client, url, params, config.auth_token).status_code == 200
                time.sleep(pause_s)

    def replies(self) -> Counter[str]:
        """How many replies each body got (the stand-in's model answers `Noted: <body>`)."""
        mine = set(self.bodies)
        said = (m.body.removeprefix("Noted: ") for m in self.world.twilio.messages)
        return Counter(body for body in said if body in mine)

    def replied_customers(self) -> Counter[str]:
        """How many messages each of the load's customers was sent, whatever they said."""
        mine = set(self._senders)
        return Counter(m.to for m in self.world.twilio.messages if m.to in mine)

    def wait_for_every_reply(self) -> None:
        """Until every body has a reply, then a little longer: a second would arrive by then."""
        total = len(self.bodies)
        wait(lambda: len(self.replies()) == total, 120, f"{len(self.replies())}/{total} replies")
        time.sleep(3)

    def answered_once(self) -> bool:
        """Every body got exactly one reply."""
        return set(self.replies().values()) == {1} and len(self.replies()) == len(self.bodies)


def test_killed_with_many_in_flight_every_message_gets_exactly_one_reply(world: World) -> None:
    world.llm.default = acknowledging_responder
    world.llm.latency = Latency(median_s=4.0)  # a slow model: every call takes seconds
    load, asked_before = Load(world, "crash", 150, customers=150), len(world.llm.requests)
    try:
        load.post()
        wait(
            lambda: len(world.llm.requests) - asked_before >= 100,
            30,
            "the analyzer never had 100 LLM calls in flight",
        )
        replied_before_kill = len(load.replies())
        world.system.kill("analyzer")
        world.system.start("analyzer")
        world.system.wait_ready("analyzer")
        world.llm.latency = Latency()
        load.wait_for_every_reply()
    finally:
        world.llm.latency = Latency()
    assert replied_before_kill < len(load.bodies)  # the kill really caught messages in flight
    assert load.answered_once()


def test_replicas_joining_mid_load_lose_nothing_and_send_nothing_twice(world: World) -> None:
    world.llm.default = acknowledging_responder
    world.llm.latency = Latency(median_s=0.5, sigma=0.6)
    load = Load(world, "join", 300, customers=60)

    def join(index: int) -> None:
        if index == 100:  # a second analyzer and messenger join the groups mid-load
            world.system.start("analyzer-2", service="analyzer")
            world.system.start("messenger-2", service="messenger")

    try:
        load.post(pause_s=0.02, before=join)
        world.system.wait_ready("analyzer-2")
        world.system.wait_ready("messenger-2")
        load.wait_for_every_reply()
    finally:
        world.llm.latency = Latency()
        for replica in ("analyzer-2", "messenger-2"):
            if replica in world.system.processes:
                world.system.kill(replica)
                del world.system.processes[replica]
    assert load.answered_once()


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
    config = world.system.config
    dlq = topics.dead_letter(topics.INBOUND_MESSAGES)
    dead_before = asyncio.run(dead_letters(config.kafka, dlq))
    relay = Relay(int(config.aws_endpoint.rsplit(":", 1)[1]))
    world.system.stop_one("analyzer")  # the analyzer reaches DynamoDB through the relay
    world.system.start("analyzer-relayed", service="analyzer", env={"AWS_ENDPOINT_URL": relay.url})
    load, back = Load(world, "outage", 400, customers=100), threading.Timer(10, relay.accept)

    def outage(index: int) -> None:
        if index == 80:  # 2 s into the load, DynamoDB refuses connections for 10 s
            relay.refuse()
            back.start()

    try:
        world.system.wait_ready("analyzer-relayed")
        load.post(pause_s=0.025, before=outage)  # 40 webhooks a second
        back.join()
        load.wait_for_every_reply()
    finally:
        back.cancel()
        relay.accept()
        world.system.stop_one("analyzer-relayed")
        world.system.start("analyzer")
        world.system.wait_ready("analyzer")
        relay.stop()
    assert load.answered_once()
    assert asyncio.run(dead_letters(config.kafka, dlq)) == dead_before


def test_messenger_killed_with_sends_in_flight_delivers_each_reply_once(world: World) -> None:
    world.llm.default = acknowledging_responder
    # Twilio's API takes its time to accept each message: a second, so a send seen in flight is
    # still in flight when the kill lands (at 0.1 s, one run's sends all settled in between).
    world.twilio.send_latency_s = 1.0
    load = Load(world, "settle", 200, customers=100)
    settled_before = claims_in_sending(world)
    # Posted while the kill happens (4 s at least), so sends are in flight then on any machine:
    # posted first, a fast run had sent every reply before the kill.
    poster = ThreadPoolExecutor(1)
    posting = poster.submit(load.post, pause_s=0.02)
    try:
        wait(lambda: len(load.replies()) >= 5, 30, "no replies before the kill")
        # Killed while a send is under way (claimed, not yet marked sent), whatever the pace
        # the other services keep on this machine.
        wait(lambda: bool(claims_in_sending(world) - settled_before), 30, "no send to kill")
        world.system.kill("messenger")  # sends in flight: some reached Twilio, some not
        replied_before_restart = len(load.replies())
        unsettled = claims_in_sending(world) - settled_before
        world.system.start("messenger")
        world.system.wait_ready("messenger")
        posting.result(timeout=120)  # every webhook accepted
        load.wait_for_every_reply()
    finally:
        poster.shutdown()
        world.twilio.send_latency_s = 0.0
    assert replied_before_restart < len(load.bodies)
    assert unsettled, "the kill left no send unsettled"
    assert load.answered_once()


def claims_in_sending(world: World) -> set[str]:
    """Reply parts the messenger claimed and never marked sent, from every page of the table."""
    dynamodb = boto3.client(
        "dynamodb", region_name="us-east-1", endpoint_url=world.system.config.aws_endpoint
    )
    pages = dynamodb.get_paginator("scan").paginate(TableName="outbound_messages")
    items = (item for page in pages for item in page["Items"])
    return {item["part_key"]["S"] for item in items if item["state"]["S"] == "sending"}


def test_the_llm_and_twilio_failing_now_and_then_lose_nothing_and_send_nothing_twice(
    world: World,
) -> None:
    world.llm.default = acknowledging_responder
    world.llm.faults = llm = Faults(error_rate=0.1, draw=random.Random(5))
    world.twilio.send_latency_s = 0.05
    # A fifth of the sends fail, and the account takes four at a time (20429 beyond).
    world.twilio.faults = twilio = Faults(error_rate=0.2, max_concurrent=4, draw=random.Random(6))
    load = Load(world, "flaky", 200, customers=200)  # one message each: one reply each
    kafka = world.system.config.kafka
    dlqs = [topics.dead_letter(t) for t in (topics.INBOUND_MESSAGES, topics.REPLY_REQUESTS)]
    dead_before = [asyncio.run(dead_letters(kafka, dlq)) for dlq in dlqs]
    try:
        load.post()
        wait(lambda: len(load.replied_customers()) == 200, 120, "a customer without a reply")
        time.sleep(3)  # a second reply would arrive by then
    finally:
        world.llm.faults, world.twilio.faults = Faults(), Faults()
        world.twilio.send_latency_s = 0.0
    assert llm.outcomes["server_error"] > 0
    assert twilio.outcomes["server_error"] > 0 and twilio.outcomes["refused_concurrency"] > 0
    assert set(load.replied_customers().values()) == {1}
    # Most are the model's; a turn whose two tries both failed got the offline analyzer's.
    assert set(load.replies().values()) == {1} and len(load.replies()) >= 150
    assert [asyncio.run(dead_letters(kafka, dlq)) for dlq in dlqs] == dead_before
