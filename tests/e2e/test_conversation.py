"""A customer's whole conversation through five service processes, real Kafka, PostgreSQL, moto."""

from __future__ import annotations

import io
import time
import uuid
from typing import Any
from urllib.parse import quote

import boto3
import pytest
import sqlalchemy as sa
from PIL import Image

from harness.registry import services
from media.copying import customer_prefix
from media.metadata import strip_metadata
from standins.openai_verdicts import verdict
from standins.tokens import count_prompt

from .conftest import Customer, World, wait

pytestmark = pytest.mark.e2e
SERVICES = set(services())


def photo_with_gps() -> bytes:
    exif = Image.Exif()
    exif[0x8825] = {1: "N", 2: (52.0, 22.0, 10.0), 3: "E", 4: (4.0, 53.0, 20.0)}
    out = io.BytesIO()
    Image.new("RGB", (80, 60), "orange").save(out, "JPEG", exif=exif)
    return out.getvalue()


def feedback_rows(database_url: str, sender: str) -> list[Any]:
    engine = sa.create_engine(database_url)
    try:
        with engine.connect() as connection:
            return list(
                connection.execute(
                    sa.text(
                        "select product_name, feedback_text, media_urls, llm_model,"
                        " llm_input_tokens, llm_output_tokens, llm_cost_usd, rating from feedback"
                        " where sender_id = :s"
                    ),
                    {"s": sender},
                )
            )
    finally:
        engine.dispose()


def test_conversation_with_a_photo_end_to_end(world: World) -> None:
    customer, llm = Customer(world), world.llm
    for label, description in (
        ("quality", "How well it is made: defects, leaks, breakage."),
        ("delivery", "Shipping, couriers and delivery times."),
    ):
        world.system.api("POST", "/topics", {"label": label, "description": description})
    version = world.system.api("GET", "/topics")["version"]
    asked_before = len(llm.requests)
    photo = photo_with_gps()
    customer.says("Hello")  # a control turn: the scripted flow answers, no LLM call
    customer.waits_for_reply(1)
    llm.answer_json(
        **verdict(
            "What do you think of the Acme kettle?", "ask_feedback", product_name="Acme kettle"
        )
    )
    customer.says("The Acme kettle")
    customer.waits_for_reply(2)
    message_sid = "MM" + uuid.uuid4().hex
    path = world.twilio.add_media(message_sid, photo, "image/jpeg")
    media_url = world.twilio_url + path
    llm.answer_json(
        **verdict(
            "Thanks for the photo! Submit?",
            "confirm",
            product_name="Acme kettle",
            feedback="Boils fast, lid leaks",
            media_urls=[media_url],
        )
    )
    params = customer.says("Boils fast, lid leaks", media=[(media_url, "image/jpeg")])
    customer.waits_for_reply(3)
    last = customer.says("yes")  # a control turn: the confirmation completes the session
    customer.waits_for_reply(4)

    replies = customer.replies()
    assert "Which product" in replies[0] and "recorded" in replies[3]
    assert replies[1:3] == [
        "What do you think of the Acme kettle?",
        "Thanks for the photo! Submit?",
    ]
    media_sid = path.rsplit("/", 1)[-1]
    key = f"{customer_prefix(customer.number)}{params['MessageSid']}/{media_sid}.jpg"
    s3 = boto3.client("s3", region_name="us-east-1", endpoint_url=world.system.config.aws_endpoint)
    bucket = world.system.config.bucket

    def stored_row() -> bool:
        rows = feedback_rows(world.database_url, customer.number)
        return bool(rows) and bool(rows[0].media_urls)

    deadline = time.monotonic() + 60
    while not stored_row():
        assert time.monotonic() < deadline, "no feedback row with media"
        time.sleep(0.2)
    (row,) = feedback_rows(world.database_url, customer.number)
    assert (row.product_name, row.feedback_text) == ("Acme kettle", "Boils fast, lid leaks")
    assert list(row.media_urls) == [f"s3://{bucket}/{key}"]
    body = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
    assert (
        body == strip_metadata("image/jpeg", photo) and not Image.open(io.BytesIO(body)).getexif()
    )

    # The business reads it tagged with its own taxonomy.
    def tagged() -> Any:
        page = world.system.api("GET", f"/feedback?sender_id={quote(customer.number)}")
        return page["items"] and page["items"][0]["tags"]

    deadline = time.monotonic() + 30
    while not tagged():
        assert time.monotonic() < deadline, "the feedback row was never tagged"
        time.sleep(0.2)
    tags = tagged()
    assert tags["topics"] == ["quality"] and tags["taxonomy_version"] == version
    assert tags["sentiment"] in {"positive", "negative", "neutral", "mixed"}
    assert tags["summary"] == "Boils fast, lid leaks" and tags["tagger"] == "offline"

    def one_trace_through_all_services() -> bool:
        traces = world.spans.traces_with("feedback.correlation_id", last["MessageSid"])
        return len(traces) == 1 and world.spans.services_in(next(iter(traces))) >= SERVICES

    deadline = time.monotonic() + 30
    while not one_trace_through_all_services():
        traces = world.spans.traces_with("feedback.correlation_id", last["MessageSid"])
        services = [world.spans.services_in(t) for t in traces]
        assert time.monotonic() < deadline, f"traces {traces} cover {services}"
        time.sleep(0.2)

    # The tokens the LLM reported (the stand-in counts each prompt with tiktoken) reach the row,
    # with their estimated cost, and the LLM call's span.
    prompts = [count_prompt(body["messages"]) for _, body in llm.requests[asked_before:]]
    assert len(prompts) == 2  # the product and the feedback; the rest were control turns
    assert (row.llm_model, row.llm_input_tokens) == ("gpt-5-nano", sum(prompts))
    assert row.llm_output_tokens > 0
    cost = (row.llm_input_tokens * 0.05 + row.llm_output_tokens * 0.40) / 1_000_000
    assert float(row.llm_cost_usd) == pytest.approx(cost, abs=1e-8)
    # The feedback turn's trace (the last turn, a control turn, made no LLM call).
    wait(
        lambda: any(
            span.name == "chat gpt-5-nano"
            for span in world.spans.spans
            if span.trace_id
            in world.spans.traces_with("feedback.correlation_id", params["MessageSid"])
        ),
        30,
        "no LLM span in the feedback turn's trace",
    )
    (trace_id,) = world.spans.traces_with("feedback.correlation_id", params["MessageSid"])
    (llm_span,) = [
        span
        for span in world.spans.spans
        if span.trace_id == trace_id and span.name == "chat gpt-5-nano"
    ]
    assert llm_span.attributes["gen_ai.request.model"] == "gpt-5-nano"
    assert llm_span.attributes["gen_ai.usage.input_tokens"] == str(prompts[-1])
    assert int(llm_span.attributes["gen_ai.usage.output_tokens"]) > 0


def test_duplicate_webhook_gives_one_reply(world: World) -> None:
    customer = Customer(world)
    world.llm.answer_json(**verdict("Hi! Which product is it about?", "ask_product"))
    params = customer.says("I have some feedback")
    customer.send(params)  # Twilio retried the same webhook (same MessageSid)
    customer.waits_for_reply(1)
    world.llm.answer_json(**verdict("Which one exactly?", "ask_product"))
    customer.says("hmm")
    customer.waits_for_reply(2)
    assert customer.replies() == ["Hi! Which product is it about?", "Which one exactly?"]
