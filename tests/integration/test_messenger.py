"""messenger over real Kafka, moto's DynamoDB and the Twilio stand-in."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import boto3
import pytest

from feedback_contracts import (
    Envelope,
    ReplyFailed,
    ReplyRequested,
    ReplyRequestedV2,
    ReplySent,
    topics,
)
from harness.topics import read_until, wait_for, with_correlation
from messenger.bootstrap import create_app
from messenger.provision import provision
from messenger.settings import MessengerSettings
from service_runtime.kafka_publisher import KafkaPublisher
from standins.serving import RunningServer, serve_in_thread
from standins.twilio_api import create_app as twilio_app
from standins.twilio_state import ScriptedFailure, TwilioState

pytestmark = pytest.mark.integration
ACCOUNT, TOKEN = "AC" + "1" * 32, "e" * 32


@pytest.fixture(scope="module")
def twilio() -> Iterator[tuple[TwilioState, RunningServer]]:
    state = TwilioState(ACCOUNT, TOKEN)
    server = serve_in_thread(twilio_app(state))
    yield state, server
    server.stop()


@pytest.fixture(scope="module")
def messenger(
    kafka_bootstrap: str, aws_endpoint: str, twilio: tuple[TwilioState, RunningServer]
) -> Iterator[RunningServer]:
    table = f"outbound-{uuid.uuid4().hex[:8]}"
    client = boto3.client("dynamodb", region_name="us-east-1", endpoint_url=aws_endpoint)
    provision(client, table)
    settings = MessengerSettings(
        environment="local",
        kafka_bootstrap_servers=kafka_bootstrap,
        aws_endpoint_url=aws_endpoint,
        twilio_account_sid=ACCOUNT,
        twilio_auth_token=TOKEN,
        twilio_whatsapp_from="14155238886",
        twilio_api_base_url=twilio[1].url,
        outbound_table=table,
        send_backoff_s=0.05,
    )  # type: ignore[call-arg]
    server = serve_in_thread(create_app(settings), lifespan=True)
    yield server
    server.stop()


def reply(body: str) -> tuple[Envelope, str]:
    recipient = f"whatsapp:+1555{uuid.uuid4().int % 10**7:07d}"
    sid = "SM" + uuid.uuid4().hex
    event = ReplyRequested(reply_id=f"{sid}:reply", session_id="s", recipient=recipient, body=body)
    return Envelope.wrap(event, source="test", correlation_id=sid), recipient


async def outcome(kafka_bootstrap: str, correlation_id: str) -> Envelope:
    seen = await read_until(
        kafka_bootstrap, topics.REPLY_OUTCOMES, with_correlation(correlation_id)
    )
    return next(item for item in seen if item.correlation_id == correlation_id)


@pytest.mark.usefixtures("messenger")
async def test_long_reply_goes_out_as_two_messages(
    publisher: KafkaPublisher, twilio: tuple[TwilioState, RunningServer], kafka_bootstrap: str
) -> None:
    state = twilio[0]
    envelope, recipient = reply("word " * 340)
    await publisher.publish(envelope)
    result = await outcome(kafka_bootstrap, envelope.correlation_id)
    sent = state.sent_to(recipient)
    assert len(sent) == 2 and all(len(message.body) <= 1600 for message in sent)
    assert sent[0].from_ == "whatsapp:+14155238886"
    assert isinstance(result.data, ReplySent)
    assert result.data.twilio_message_sids == [message.sid for message in sent]


@pytest.mark.usefixtures("messenger")
async def test_rate_limited_then_success_sends_once(
    publisher: KafkaPublisher, twilio: tuple[TwilioState, RunningServer], kafka_bootstrap: str
) -> None:
    state = twilio[0]
    envelope, recipient = reply("thanks")
    state.fail_next(ScriptedFailure(429, 20429, "Too Many Requests", to=recipient))
    await publisher.publish(envelope)
    result = await outcome(kafka_bootstrap, envelope.correlation_id)
    assert isinstance(result.data, ReplySent)
    assert len(state.sent_to(recipient)) == 1 and state.attempts_to[recipient] == 2


@pytest.mark.usefixtures("messenger")
async def test_outside_24h_window_fails_without_retry(
    publisher: KafkaPublisher, twilio: tuple[TwilioState, RunningServer], kafka_bootstrap: str
) -> None:
    state = twilio[0]
    envelope, recipient = reply("thanks")
    state.fail_next(ScriptedFailure(400, 63016, "Outside the allowed window", to=recipient))
    await publisher.publish(envelope)
    result = await outcome(kafka_bootstrap, envelope.correlation_id)
    assert isinstance(result.data, ReplyFailed)
    assert (result.data.error_code, result.data.permanent) == ("63016", True)
    assert state.sent_to(recipient) == [] and state.attempts_to[recipient] == 1


@pytest.mark.usefixtures("messenger")
async def test_redelivered_request_is_sent_once(
    publisher: KafkaPublisher, twilio: tuple[TwilioState, RunningServer], kafka_bootstrap: str
) -> None:
    state = twilio[0]
    envelope, recipient = reply("once")
    await publisher.publish(envelope)
    await publisher.publish(envelope)

    def two_outcomes(seen: list[Envelope]) -> bool:
        return sum(item.correlation_id == envelope.correlation_id for item in seen) == 2

    await read_until(kafka_bootstrap, topics.REPLY_OUTCOMES, two_outcomes)
    await wait_for(lambda: len(state.sent_to(recipient)) >= 1)
    assert len(state.sent_to(recipient)) == 1


async def send_answering(
    publisher: KafkaPublisher, kafka_bootstrap: str, recipient: str, written_at: datetime
) -> ReplyFailed | ReplySent:
    """Request a reply to a customer's message written at `written_at`; its outcome."""
    sid = "SM" + uuid.uuid4().hex
    request = ReplyRequestedV2(
        reply_id=f"{sid}:reply",
        session_id="s",
        recipient=recipient,
        body=f"Thanks for your message of {written_at:%H:%M}!",
        customer_message_at=written_at,
    )
    await publisher.publish(Envelope.wrap(request, source="test", correlation_id=sid))
    data = (await outcome(kafka_bootstrap, sid)).data
    assert isinstance(data, ReplyFailed | ReplySent)
    return data


@pytest.mark.usefixtures("messenger")
async def test_a_reply_outside_the_24_hour_window_is_not_attempted(
    publisher: KafkaPublisher, twilio: tuple[TwilioState, RunningServer], kafka_bootstrap: str
) -> None:
    state = twilio[0]
    recipient = f"whatsapp:+1555{uuid.uuid4().int % 10**7:07d}"
    yesterday = datetime.now(UTC) - timedelta(hours=25)
    result = await send_answering(publisher, kafka_bootstrap, recipient, yesterday)
    assert isinstance(result, ReplyFailed)
    assert (result.error_code, result.permanent) == ("window_closed", True)
    assert state.attempts_to[recipient] == 0


@pytest.mark.usefixtures("messenger")
async def test_63016_closes_the_window_until_the_customer_writes_again(
    publisher: KafkaPublisher, twilio: tuple[TwilioState, RunningServer], kafka_bootstrap: str
) -> None:
    state = twilio[0]
    recipient = f"whatsapp:+1555{uuid.uuid4().int % 10**7:07d}"
    written = datetime.now(UTC) - timedelta(hours=1)

    async def send(customer_message_at: datetime) -> ReplyFailed | ReplySent:
        return await send_answering(publisher, kafka_bootstrap, recipient, customer_message_at)

    state.fail_next(ScriptedFailure(400, 63016, "Outside the allowed window", to=recipient))
    assert (await send(written)).error_code == "63016"  # type: ignore[union-attr]
    assert (await send(written)).error_code == "window_closed"  # type: ignore[union-attr]
    assert isinstance(await send(datetime.now(UTC)), ReplySent)  # the customer wrote again
    assert state.attempts_to[recipient] == 2


async def test_sends_wait_for_a_slot_under_the_accounts_concurrency_limit() -> None:
    # Twilio refuses an account's requests beyond its concurrency limit (20429); the sender
    # keeps to its share (TWILIO_MAX_CONCURRENT), so sends queue here instead.
    import asyncio

    from messenger.adapters.twilio_sender import TwilioMessageSender
    from messenger.sending import SendError
    from standins.faults import Faults

    state = TwilioState(ACCOUNT, TOKEN, send_latency_s=0.2, faults=Faults(max_concurrent=3))
    server = serve_in_thread(twilio_app(state))

    async def send_twelve(max_concurrent: int) -> list[str | BaseException]:
        sender = TwilioMessageSender(
            ACCOUNT, TOKEN, api_base_url=server.url, timeout_s=10, max_concurrent=max_concurrent
        )
        try:
            sends = [
                sender.send(
                    to=f"whatsapp:+1555000{n:04d}",
                    from_="whatsapp:+1415",
                    body="Hi",
                    status_callback=None,
                )
                for n in range(12)
            ]
            return await asyncio.gather(*sends, return_exceptions=True)
        finally:
            await sender.close()

    try:
        uncapped = await send_twelve(12)
        capped = await send_twelve(3)
    finally:
        server.stop()
    refused = [r for r in uncapped if isinstance(r, SendError)]
    assert refused and all((r.status, r.code) == (429, 20429) for r in refused)
    assert all(isinstance(r, str) for r in capped)  # every one sent, none refused
    assert state.faults.outcomes["answered"] == 12 + 12 - len(refused)
