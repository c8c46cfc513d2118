"""Alerts through the running system, to real HTTP receivers run as processes: a complaint
reaches a Slack-shaped receiver and a signed webhook (the signature verifies with the Standard
Webhooks verifier); a receiver down for 60 s gets every alert exactly once after it returns
while the other one got its alerts on time; a receiver answering 400 gets one try, shown as
failed."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from standardwebhooks import Webhook

from harness.receivers import Receiver
from standins.openai_verdicts import verdict

from .conftest import Customer, World, wait

pytestmark = pytest.mark.e2e
COMPLAINT = "Terrible. The kettle arrived broken, it leaks everywhere and burned my hand. Awful!"


@pytest.fixture
def receivers(tmp_path: Path) -> Iterator[dict[str, Receiver]]:
    started = {
        "slack": Receiver("slack", tmp_path),
        "signed": Receiver("webhook", tmp_path),
        "refusing": Receiver("webhook", tmp_path, status=400),
    }
    for receiver in started.values():
        receiver.start()
    yield started
    for receiver in started.values():
        if receiver.process is not None and receiver.process.poll() is None:
            receiver.stop()


def alerts_api(world: World, method: str, path: str, body: Any = None) -> Any:
    response = httpx.request(
        method,
        world.system.urls["alerts"] + path,
        json=body,
        headers={"Authorization": f"Bearer {world.system.config.api_secret}"},
        timeout=10,
    )
    assert response.status_code < 300, response.text
    return response.json() if response.content else None


def complains(world: World, product: str) -> Customer:
    customer = Customer(world)
    customer.says("Hello")
    customer.waits_for_reply(1)
    world.llm.answer_json(
        **verdict(
            "Thank you, we are sorry. Recorded.",
            "done",
            is_feedback_session_complete=True,
            product_name=product,
            feedback=COMPLAINT,
        )
    )
    customer.says(f"{product}: {COMPLAINT}")
    customer.waits_for_reply(2)
    return customer


def products(received: list[dict[str, Any]], *, slack: bool = False) -> list[str]:
    """The product of each alert received, in order (repeats kept)."""
    found = []
    for request in received:
        body = json.loads(request["body"])
        if slack:
            found.append(body["text"].split(" feedback on ", 1)[1].split(":", 1)[0])
        else:
            found.append(body["data"]["product"])
    return found


def test_alerts_reach_every_receiver_once_even_one_that_was_down(
    world: World, receivers: dict[str, Receiver]
) -> None:
    negative = {"sentiments": ["negative", "mixed"]}
    made = {
        name: alerts_api(
            world,
            "POST",
            "/alerts/destinations",
            {"name": name, "kind": receiver.kind, "url": receiver.url, "rule": negative},
        )
        for name, receiver in receivers.items()
    }
    assert made["signed"]["signing_secret"].startswith("whsec_")
    assert made["slack"]["signing_secret"] is None
    for destination in made.values():  # the URL is never read back whole
        assert "/hook/" not in destination["url"]

    # A complaint reaches the Slack-shaped receiver and the signed one.
    first = f"Kettle-{uuid.uuid4().hex[:6]}"
    complains(world, first)
    wait(lambda: len(receivers["signed"].received()) == 1, 60, "the signed receiver got nothing")
    wait(lambda: len(receivers["slack"].received()) == 1, 30, "the Slack receiver got nothing")
    (signed,) = receivers["signed"].received()
    secret = made["signed"]["signing_secret"]
    event = Webhook(secret).verify(signed["body"].encode(), signed["headers"])
    assert event["type"] == "feedback.alert" and event["data"]["product"] == first
    assert event["data"]["sentiment"] == "negative" and "leaks" in event["data"]["text"]
    assert event["data"]["link"].endswith(f"#feedback={event['data']['feedback_id']}")
    assert "whatsapp" not in signed["body"] and "+1555" not in signed["body"]
    assert products(receivers["slack"].received(), slack=True) == [first]

    # The receiver answering 400 got one try, and its delivery shows failed: on the owner's
    # page too, which reads the alerts API through persistence's address.
    wait(lambda: len(receivers["refusing"].received()) == 1, 30, "the refusing one got nothing")
    refused = world.system.api("GET", f"/alerts/deliveries?destination_id={made['refusing']['id']}")
    assert [(d["state"], d["attempts"], d["last_status"]) for d in refused] == [("failed", 1, 400)]

    # The signed receiver goes away for 60 s; the Slack one keeps getting alerts on time.
    receivers["signed"].stop()
    down_at = time.monotonic()
    later = [f"Toaster-{uuid.uuid4().hex[:6]}", f"Blender-{uuid.uuid4().hex[:6]}"]
    for product in later:
        complains(world, product)
    wait(
        lambda: len(receivers["slack"].received()) == 3,
        30,
        "the Slack receiver waited on the one that was down",
    )
    slack_done = time.monotonic()
    assert slack_done - down_at < 60  # on time: while the other one was still down
    assert sorted(products(receivers["slack"].received(), slack=True)[1:]) == sorted(later)
    pending = alerts_api(world, "GET", f"/alerts/deliveries?destination_id={made['signed']['id']}")
    assert sorted(d["state"] for d in pending) == ["delivered", "pending", "pending"]
    assert all(d["last_error"] for d in pending if d["state"] == "pending")

    time.sleep(max(0.0, 60 - (time.monotonic() - down_at)))
    receivers["signed"].start()  # the same port, nothing received yet
    wait(lambda: len(receivers["signed"].received()) >= 2, 60, "no alert after it returned")
    time.sleep(3)  # anything more would be a repeat
    back = receivers["signed"].received()
    assert sorted(products(back)) == sorted(later)  # each once, and not the first again
    ids = [request["headers"]["webhook-id"] for request in back]
    assert len(set(ids)) == len(ids) == 2
    for request in back:
        Webhook(secret).verify(request["body"].encode(), request["headers"])
    delivered = alerts_api(
        world, "GET", f"/alerts/deliveries?destination_id={made['signed']['id']}"
    )
    assert [d["state"] for d in delivered] == ["delivered"] * 3
    assert {d["id"] for d in delivered} >= set(ids)  # the webhook-id is the delivery's id
