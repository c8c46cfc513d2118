"""WhatsApp's rules through the running system: STOP, START, HELP and Twilio's 21610."""

from __future__ import annotations

import json
import time
from urllib.parse import quote

import boto3
import httpx
import pytest
from boto3.dynamodb.conditions import Key

from standins.openai_verdicts import acknowledging_responder, verdict
from standins.twilio_state import ScriptedFailure
from standins.twilio_webhooks import post_signed

from .conftest import Customer, World, wait

pytestmark = pytest.mark.e2e


def quiet_for(customer: Customer, count: int, seconds: float = 3.0) -> None:
    """The customer still has exactly `count` replies after `seconds`."""
    time.sleep(seconds)
    assert len(customer.replies()) == count, customer.replies()


def opted_out(world: World, number: str) -> bool:
    dynamodb = boto3.resource(
        "dynamodb", region_name="us-east-1", endpoint_url=world.system.config.aws_endpoint
    )
    item = dynamodb.Table("opt_outs").get_item(Key={"sender_id": number}).get("Item") or {}
    return bool(item.get("opted_out"))


def test_stop_is_confirmed_once_then_silence_even_after_a_restart(world: World) -> None:
    world.llm.default = acknowledging_responder
    customer = Customer(world)
    customer.says("hello")
    customer.waits_for_reply(1)
    customer.says("STOP")
    customer.waits_for_reply(2)
    assert "START" in customer.replies()[-1] and opted_out(world, customer.number)
    asked = len(world.llm.requests)
    customer.says("are you there?")
    customer.says("STOP")  # confirmed once already
    quiet_for(customer, 2)
    for service in ("analyzer", "messenger"):
        world.system.kill(service)
        world.system.start(service)
    for service in ("analyzer", "messenger"):
        world.system.wait_ready(service)
    customer.says("hello again")
    quiet_for(customer, 2)
    assert len(world.llm.requests) == asked  # no LLM call for an opted-out customer
    customer.says("START")
    customer.waits_for_reply(3)
    assert customer.replies()[-1].startswith("Welcome back")
    customer.says("The Acme kettle")
    customer.waits_for_reply(4)
    assert customer.replies()[-1] == "Noted: The Acme kettle"  # the conversation resumes


def test_help_is_answered_even_after_stop(world: World) -> None:
    customer = Customer(world)
    customer.says("STOP")
    customer.waits_for_reply(1)
    customer.says("HELP")
    customer.waits_for_reply(2)
    assert "STOP" in customer.replies()[-1] and "START" in customer.replies()[-1]


def test_twilio_21610_marks_the_customer_opted_out(world: World) -> None:
    world.llm.default = acknowledging_responder
    customer = Customer(world)
    world.twilio.fail_next(
        ScriptedFailure(400, 21610, "Attempt to send to unsubscribed recipient", to=customer.number)
    )
    customer.says("hi")
    deadline = time.monotonic() + 30
    while not opted_out(world, customer.number):
        assert time.monotonic() < deadline, "21610 did not opt the customer out"
        time.sleep(0.2)
    customer.says("hello?")  # the messenger refuses it (the analyzer may still ask its LLM
    quiet_for(customer, 0)  # while its cached consent is fresh)
    read = f"{world.system.urls['persistence']}/replies"
    headers = {"Authorization": f"Bearer {world.system.config.api_secret}"}
    with httpx.Client(timeout=20) as client:  # the failed reply is visible to the business
        rows = client.get(read, params={"recipient": customer.number}, headers=headers).json()
    assert ("failed", "21610") in {(row["status"], row["error_code"]) for row in rows}


def test_delivery_statuses_out_of_order_end_in_the_right_state(world: World) -> None:
    world.llm.default = acknowledging_responder
    customer, config = Customer(world), world.system.config
    customer.says("hello")
    customer.says("and another thing")
    customer.waits_for_reply(2)
    first, second = (m.sid for m in world.twilio.sent_to(customer.number))
    callbacks = [
        (first, "delivered", None),
        (first, "sent", None),  # late: must not undo "delivered"
        (first, "read", None),
        (first, "delivered", None),  # again, and late
        (second, "failed", "63016"),
        (second, "delivered", None),  # nothing comes after a failure
    ]
    url = f"{world.system.urls['ingress']}/twilio/status"
    with httpx.Client(timeout=20) as client:
        for sid, status, code in callbacks:
            params = {
                "MessageSid": sid,
                "MessageStatus": status,
                "To": customer.number,
                "AccountSid": config.account_sid,
                "ChannelPrefix": "whatsapp",
                **({"ErrorCode": code} if code else {}),
            }
            assert post_signed(client, url, params, config.auth_token).status_code == 204
        read = f"{world.system.urls['persistence']}/replies"
        headers = {"Authorization": f"Bearer {config.api_secret}"}

        def states() -> dict[str, tuple[str, str | None]]:
            rows = client.get(read, params={"recipient": customer.number}, headers=headers).json()
            return {row["message_key"]: (row["status"], row["error_code"]) for row in rows}

        wait(lambda: states().get(first, ("",))[0] == "read", 30, f"states: {states()}")
        wait(lambda: states().get(second, ("",))[0] == "failed", 30, f"states: {states()}")
        time.sleep(2)  # every callback handled by now
        assert states()[first] == ("read", None)
        assert states()[second] == ("failed", "63016")


def test_a_feedback_request_sends_the_template_once_and_the_answer_continues_its_session(
    world: World,
) -> None:
    customer, opted_out_customer = Customer(world), Customer(world)
    opted_out_customer.says("STOP")
    opted_out_customer.waits_for_reply(1)
    ask = {"to": customer.number, "product": "Acme kettle", "order_ref": "A-100"}
    refused = {"to": opted_out_customer.number, "product": "Acme kettle", "order_ref": "A-101"}
    queued = world.system.api("POST", "/feedback-requests", {"recipients": [ask, ask, refused]})
    assert len(queued["requests"]) == 2
    customer.waits_for_reply(1)
    world.system.api("POST", "/feedback-requests", {"recipients": [ask]})  # a duplicate
    quiet_for(customer, 1)
    (sent,) = world.twilio.sent_to(customer.number)
    assert sent.content_sid == "HX" + "0" * 32  # the configured template, with its variables
    assert sent.content_variables == {"1": "Acme kettle"}
    # The opted-out customer is not asked; the business sees why.
    assert len(opted_out_customer.replies()) == 1

    def refusal() -> set[tuple[str, str | None]]:
        rows = world.system.api("GET", f"/replies?recipient={quote(opted_out_customer.number)}")
        return {(row["status"], row["error_code"]) for row in rows}

    wait(lambda: ("failed", "opted_out") in refusal(), 30, f"replies: {refusal()}")

    # The answer continues the session the request opened: the LLM sees the product and the
    # template's question, at the step after the product.
    asked_before = len(world.llm.requests)
    world.llm.answer_json(
        **verdict(
            "Thanks! Any photo?",
            "ask_photo",
            product_name="Acme kettle",
            feedback="The lid leaks",
        )
    )
    customer.says("The lid leaks")
    customer.waits_for_reply(2)
    prompt = json.dumps(world.llm.requests[asked_before][1]["messages"])
    assert "Acme kettle" in prompt and "ask_feedback" in prompt and "How was your" in prompt
    dynamodb = boto3.resource(
        "dynamodb", region_name="us-east-1", endpoint_url=world.system.config.aws_endpoint
    )
    sessions = dynamodb.Table("sessions").query(
        KeyConditionExpression=Key("sender_id").eq(customer.number)
    )["Items"]
    assert len(sessions) == 1 and sessions[0]["request_id"] == queued["requests"][0]["request_id"]
    assert sessions[0]["product_name"] == "Acme kettle" and sessions[0]["step"] == "ask_photo"
