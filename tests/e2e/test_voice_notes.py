"""Voice notes end to end on real Kafka, PostgreSQL and moto: a transcribed voice note becomes
the feedback's text with the audio's S3 object on the row; without a transcription model the
customer is asked to type, and the audio is kept all the same. The analyzer runs its offline
flow here, so that what the customer said, not a scripted model, fills the row."""

from __future__ import annotations

import hashlib
import time
import uuid
from collections.abc import Iterator
from typing import Any

import boto3
import httpx
import pytest

from harness.audio import voice_note

from .conftest import Customer, World
from .test_conversation import feedback_rows

pytestmark = pytest.mark.e2e
OGG = "audio/ogg"


@pytest.fixture(scope="module")
def offline(world: World) -> Iterator[World]:
    """The analyzer on its offline flow (no LLM key) for this module's conversations."""
    world.system.stop_one("analyzer")
    world.system.start("analyzer", env={"OPENAI_API_KEY": ""})
    world.system.wait_ready("analyzer")
    yield world


def media_transcribing(world: World, transcribing: bool) -> None:
    """Restart the media service with a transcription model (the OpenAI stand-in) or none."""
    openai = world.system.config.openai_api or ""
    env = {
        "TRANSCRIPTION_MODEL": "whisper-1",
        "OPENAI_API_KEY": "sk-local",
        "OPENAI_BASE_URL": openai,
    }
    world.system.stop_one("media")
    world.system.start("media", env=env if transcribing else {"TRANSCRIPTION_MODEL": ""})
    world.system.wait_ready("media")


def send_voice_note(world: World, customer: Customer, audio: bytes) -> None:
    message_sid = "MM" + uuid.uuid4().hex
    path = world.twilio.add_media(message_sid, audio, OGG)
    customer.says("", media=[(world.twilio_url + path, f"{OGG}; codecs=opus")])


def converse(customer: Customer, *texts: str) -> None:
    """Each text, once the bot answered the one before."""
    for text in texts:
        answered = len(customer.replies())
        customer.says(text)
        customer.waits_for_reply(answered + 1)


def voice_note_after_the_product(world: World, audio: bytes) -> Customer:
    """A customer who names the product, then sends the voice note; the bot has answered it."""
    customer = Customer(world)
    converse(customer, "Hi", "Acme kettle")
    send_voice_note(world, customer, audio)
    customer.waits_for_reply(3)
    return customer


def stored_row(world: World, customer: Customer) -> Any:
    deadline = time.monotonic() + 60
    while True:
        rows = feedback_rows(world.database_url, customer.number)
        if rows and rows[0].media_urls:
            return rows[0]
        assert time.monotonic() < deadline, "no feedback row with its audio"
        time.sleep(0.2)


def s3_object(world: World, uri: str) -> bytes:
    bucket, _, key = uri.removeprefix("s3://").partition("/")
    s3 = boto3.client("s3", region_name="us-east-1", endpoint_url=world.system.config.aws_endpoint)
    body: bytes = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
    return body


def test_a_transcribed_voice_note_is_the_feedback_and_its_audio_is_on_the_row(
    offline: World,
) -> None:
    world = offline
    media_transcribing(world, True)
    audio, said = voice_note(3.0, hertz=523), "Boils fast but the lid leaks."
    script = {"sha256": hashlib.sha256(audio).hexdigest(), "text": said}
    openai = (world.system.config.openai_api or "").removesuffix("/v1")
    assert httpx.post(f"{openai}/_standin/transcripts", json=script).status_code == 204
    customer = voice_note_after_the_product(world, audio)
    assert customer.replies()[2].startswith("Thanks! From 1 to 5")  # the transcript was heard
    converse(customer, "4", "no", "yes")
    assert said in customer.replies()[4]  # the summary to confirm quotes what they said
    row = stored_row(world, customer)
    assert (row.product_name, row.feedback_text, row.rating) == ("Acme kettle", said, 4)
    (uri,) = row.media_urls
    assert uri.endswith(".ogg") and s3_object(world, uri) == audio
    assert row.llm_cost_usd > 0  # three seconds of transcription, at the configured price


def test_without_a_transcription_model_the_customer_is_asked_to_type(offline: World) -> None:
    world = offline
    media_transcribing(world, False)
    audio = voice_note(2.0, hertz=392)
    customer = voice_note_after_the_product(world, audio)
    assert customer.replies()[2].startswith("I can't listen to voice notes")
    converse(customer, "The lid leaks.", "2", "no", "yes")
    row = stored_row(world, customer)
    assert (row.feedback_text, row.rating) == ("The lid leaks.", 2)
    (uri,) = row.media_urls  # the audio is kept all the same
    assert s3_object(world, uri) == audio
