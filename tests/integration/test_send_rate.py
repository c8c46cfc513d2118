"""Two messenger replicas share one business number's send rate: together they stay within it."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator

import boto3
import pytest

from feedback_contracts import Envelope, ReplyRequested
from harness.topics import wait_for
from messenger.bootstrap import create_app
from messenger.provision import provision
from messenger.settings import MessengerSettings
from service_runtime.kafka_publisher import KafkaPublisher
from standins.serving import RunningServer, serve_in_thread
from standins.twilio_api import create_app as twilio_app
from standins.twilio_state import TwilioState

pytestmark = pytest.mark.integration
ACCOUNT, TOKEN, RATE = "AC" + "2" * 32, "d" * 32, 10.0


@pytest.fixture(scope="module")
def replicas(kafka_bootstrap: str, aws_endpoint: str) -> Iterator[TwilioState]:
    state = TwilioState(ACCOUNT, TOKEN)
    twilio = serve_in_thread(twilio_app(state))
    table = f"outbound-{uuid.uuid4().hex[:8]}"
    provision(boto3.client("dynamodb", region_name="us-east-1", endpoint_url=aws_endpoint), table)
    settings = MessengerSettings(
        environment="local",
        kafka_bootstrap_servers=kafka_bootstrap,
        aws_endpoint_url=aws_endpoint,
        twilio_account_sid=ACCOUNT,
        twilio_auth_token=TOKEN,
        twilio_whatsapp_from="14155238886",
        twilio_api_base_url=twilio.url,
        outbound_table=table,
        send_rate_per_second=RATE,
    )  # type: ignore[call-arg]
    servers: list[RunningServer] = [
        serve_in_thread(create_app(settings), lifespan=True) for _ in range(2)
    ]
    yield state
    for server in [*servers, twilio]:
        server.stop()


async def test_two_replicas_together_stay_within_the_numbers_rate(
    replicas: TwilioState, publisher: KafkaPublisher
) -> None:
    await asyncio.sleep(8)  # both replicas in the group, the partitions shared between them
    recipients = [f"whatsapp:+1777{uuid.uuid4().int % 10**7:07d}" for _ in range(60)]
    for recipient in recipients:
        sid = "SM" + uuid.uuid4().hex
        request = ReplyRequested(
            reply_id=f"{sid}:reply", session_id="s", recipient=recipient, body="Thanks!"
        )
        await publisher.publish(Envelope.wrap(request, source="test", correlation_id=sid))
    mine = set(recipients)

    def sent() -> list[float]:
        return sorted(m.accepted_at for m in replicas.messages if m.to in mine)

    await wait_for(lambda: len(sent()) == len(recipients), timeout_s=60)
    times = sent()
    busiest = max(sum(1 for t in times if start <= t < start + 2) for start in times)
    # Within any two seconds: two seconds at the rate plus one second's burst, shared.
    assert busiest <= 3 * RATE, f"{busiest} sends in two seconds; the number allows {3 * RATE:.0f}"
    assert times[-1] - times[0] >= (len(times) - RATE) / RATE * 0.9  # and not faster overall
