"""Erasing a customer through the running system: nothing of them remains in DynamoDB, S3,
PostgreSQL or at Twilio, the other customer's data is untouched, and the audit record holds no
personal data."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import boto3
import pytest
import sqlalchemy as sa
from boto3.dynamodb.conditions import Key

from feedback_contracts.customers import subject_hash
from media.copying import customer_prefix
from standins.openai_verdicts import verdict
from standins.twilio_webhooks import inbound_params

from .conftest import Customer, World, wait
from .test_conversation import photo_with_gps

pytestmark = pytest.mark.e2e


def completes_feedback_with_a_photo(world: World, customer: Customer) -> list[str]:
    """Hello, then product, feedback and a photo in one message, then STOP (an opt-out item);
    the customer's inbound MessageSids."""
    llm, said = world.llm, []
    said.append(customer.says("Hello")["MessageSid"])  # a control turn: no LLM call
    customer.waits_for_reply(1)
    config = world.system.config
    params = inbound_params(
        account_sid=config.account_sid,
        sender=customer.number,
        to=config.business_number,
        body="Acme kettle: the lid leaks",
    )
    path = world.twilio.add_media(params["MessageSid"], photo_with_gps(), "image/jpeg")
    url = world.twilio_url + path
    params |= {"NumMedia": "1", "MediaUrl0": url, "MediaContentType0": "image/jpeg"}
    llm.answer_json(
        **verdict(
            "Thank you! Recorded.",
            "done",
            is_feedback_session_complete=True,
            product_name="Acme kettle",
            feedback="The lid leaks",
            media_urls=[url],
        )
    )
    customer.send(params)
    said.append(params["MessageSid"])
    customer.waits_for_reply(2)
    said.append(customer.says("STOP")["MessageSid"])
    customer.waits_for_reply(3)
    return said


def holdings(world: World, number: str, inbound: list[str]) -> dict[str, Any]:
    """Everything each store holds of one customer."""
    config = world.system.config
    dynamodb = boto3.resource("dynamodb", region_name="us-east-1", endpoint_url=config.aws_endpoint)
    sessions = dynamodb.Table("sessions").query(KeyConditionExpression=Key("sender_id").eq(number))
    session_ids = [item["session_id"] for item in sessions["Items"]]
    chats = [
        item
        for session_id in session_ids
        for item in dynamodb.Table("chats").query(
            KeyConditionExpression=Key("session_id").eq(session_id)
        )["Items"]
    ]
    ledger = [
        key
        for sid in inbound
        for key in (f"{sid}:reply#0", f"{sid}:reply#1")
        if "Item" in dynamodb.Table("outbound_messages").get_item(Key={"part_key": key})
    ]
    opt_out = dynamodb.Table("opt_outs").get_item(Key={"sender_id": number}).get("Item")
    s3 = boto3.client("s3", region_name="us-east-1", endpoint_url=config.aws_endpoint)
    objects = s3.list_objects_v2(Bucket=config.bucket, Prefix=customer_prefix(number))
    engine = sa.create_engine(world.database_url)
    try:
        with engine.connect() as db:
            rows = {
                table: db.scalar(
                    sa.text(f"select count(*) from {table} where {column} = :n"), {"n": number}
                )
                for table, column in (
                    ("feedback", "sender_id"),
                    ("stored_media", "sender_id"),
                    ("deliveries", "recipient"),
                    ("replies", "recipient"),
                )
            }
    finally:
        engine.dispose()
    return {
        "sessions": session_ids,
        "chats": len(chats),
        "ledger": ledger,
        "opt_out": opt_out is not None,
        "s3": objects.get("KeyCount", 0),
        "postgres": rows,
        "twilio": world.twilio.holds_any_of(number),
    }


def erase(world: World, number: str) -> dict[str, Any]:
    started = world.system.api("DELETE", f"/customers/{quote(number)}")
    report: dict[str, Any] = {}

    def completed() -> bool:
        nonlocal report
        report = world.system.api("GET", f"/erasures/{started['id']}")
        return bool(report["status"] == "completed")

    wait(completed, 60, f"the erasure did not complete: {report}")
    return report


def test_an_erased_customer_leaves_nothing_in_any_store_and_others_keep_theirs(
    world: World,
) -> None:
    gone, kept = Customer(world), Customer(world)
    inbound = {c.number: completes_feedback_with_a_photo(world, c) for c in (gone, kept)}

    def stored(customer: Customer) -> bool:
        found = holdings(world, customer.number, inbound[customer.number])
        return found["s3"] == 1 and found["postgres"]["stored_media"] == 1 and found["opt_out"]

    wait(lambda: stored(gone) and stored(kept), 60, "the feedback and photo were not stored")
    before = holdings(world, kept.number, inbound[kept.number])
    assert before["chats"] and before["ledger"] and before["postgres"]["feedback"] == 1
    assert len(before["twilio"]) == 7  # 3 messages each way and the photo

    report = erase(world, gone.number)

    after = holdings(world, gone.number, inbound[gone.number])
    assert after == {
        "sessions": [],
        "chats": 0,
        "ledger": [],
        "opt_out": False,
        "s3": 0,
        "postgres": {"feedback": 0, "stored_media": 0, "deliveries": 0, "replies": 0},
        "twilio": [],
    }
    assert holdings(world, kept.number, inbound[kept.number]) == before
    # The audit record: the pseudonym, the times and the counts; no number, no text.
    digits = gone.number.removeprefix("whatsapp:+")
    assert digits not in str(report) and "leaks" not in str(report)
    assert report["subject_hash"] == subject_hash(gone.number) and report["pending"] == []
    steps = report["steps"]
    assert steps["conversations"]["sessions"] == 1 and steps["conversations"]["opt_outs"] == 1
    assert steps["media"] == {"s3_objects": 1}
    assert steps["records"]["feedback"] == 1 and steps["records"]["stored_media"] == 1
    assert steps["messaging"]["twilio_messages"] == 6 and steps["messaging"]["twilio_media"] == 1
    assert steps["messaging"]["ledger_items"] == 3

    # Asked again (a repeated request after it completed): a new erasure that finds nothing.
    again = erase(world, gone.number)
    assert again["id"] != report["id"]
    assert all(not any(counts.values()) for counts in again["steps"].values()), again
