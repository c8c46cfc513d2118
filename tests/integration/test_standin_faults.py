"""The stand-ins fail as the services they replace do, and the real SDKs read their failures
as they read the services': server errors, OpenAI's requests-per-minute limit with the time
to wait, and Twilio's concurrency limit (20429)."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Iterator

import openai
import pytest
from twilio.base.exceptions import TwilioRestException
from twilio.http.async_http_client import AsyncTwilioHttpClient
from twilio.rest import Client

from standins.faults import Faults, Refusal
from standins.openai_api import create_app
from standins.openai_state import Latency, OpenAIState
from standins.openai_verdicts import acknowledging_responder
from standins.serving import RunningServer, serve_in_thread
from standins.twilio_api import create_app as create_twilio_app
from standins.twilio_state import TwilioState

pytestmark = pytest.mark.integration
ACCOUNT, TOKEN = "AC" + "4" * 32, "f" * 32
ASKED = [{"role": "user", "content": "<customer_message>hi</customer_message>"}]


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_the_rate_limit_allows_a_seconds_worth_at_once_and_says_when_to_come_back() -> None:
    clock = Clock()
    faults = Faults(per_minute=120, clock=clock)  # 2 a second
    assert [faults.admit() for _ in range(2)] == [None, None]
    assert faults.admit() == Refusal("rate", pytest.approx(0.5))
    clock.now += 0.5
    assert faults.admit() is None
    clock.now += 10  # idle: no more than a second's worth is banked
    assert [faults.admit() is None for _ in range(3)] == [True, True, False]
    assert faults.outcomes["refused_rate"] == 2


def test_the_latency_quantiles_are_where_its_delays_fall() -> None:
    draw = random.Random(3)
    latency = Latency(median_s=1.5, sigma=0.6)
    delays = sorted(latency.sample(draw) for _ in range(20_000))
    for share in (0.5, 0.9, 0.99):
        assert latency.quantile(share) == pytest.approx(delays[int(share * len(delays))], rel=0.05)
    assert Latency(median_s=2.0).quantile(0.99) == 2.0  # sigma 0: a fixed delay
    assert Latency().quantile(0.99) == 0.0


def test_the_concurrency_limit_counts_requests_until_they_are_answered() -> None:
    faults = Faults(max_concurrent=2)
    assert [faults.admit() for _ in range(2)] == [None, None]
    assert isinstance(faults.admit(), Refusal)
    faults.release()
    assert faults.admit() is None


def test_the_error_rate_is_a_share_of_the_admitted_requests() -> None:
    faults = Faults(error_rate=0.1, draw=random.Random(3))
    failed = sum(faults.fails() for _ in range(10_000))
    assert 900 < failed < 1100
    assert faults.outcomes == {"server_error": failed, "answered": 10_000 - failed}


@pytest.fixture
def llm() -> Iterator[tuple[OpenAIState, RunningServer]]:
    state = OpenAIState(default=acknowledging_responder)
    server = serve_in_thread(create_app(state))
    yield state, server
    server.stop()


def test_openai_sdk_waits_out_the_rate_limit_as_the_stand_in_asks(
    llm: tuple[OpenAIState, RunningServer],
) -> None:
    state, server = llm
    state.faults = Faults(per_minute=20)  # one every 3 s
    patient = openai.OpenAI(api_key="sk-x", base_url=f"{server.url}/v1", max_retries=2)
    impatient = patient.with_options(max_retries=0)
    patient.chat.completions.create(model="gpt-5-nano", messages=ASKED)
    with pytest.raises(openai.RateLimitError) as refused:
        impatient.chat.completions.create(model="gpt-5-nano", messages=ASKED)
    wait_ms = int(refused.value.response.headers["retry-after-ms"])
    assert 0 < wait_ms <= 3000
    assert refused.value.response.headers["x-ratelimit-limit-requests"] == "20"
    patient.chat.completions.create(model="gpt-5-nano", messages=ASKED)
    # Refused once more, it waited as told and was answered.
    assert state.faults.outcomes == {"answered": 2, "refused_rate": 2}


def test_openai_sdk_sees_a_server_error(llm: tuple[OpenAIState, RunningServer]) -> None:
    state, server = llm
    state.faults = Faults(error_rate=1.0)
    client = openai.OpenAI(api_key="sk-x", base_url=f"{server.url}/v1", max_retries=0)
    with pytest.raises(openai.InternalServerError):
        client.chat.completions.create(model="gpt-5-nano", messages=ASKED)
    assert state.faults.outcomes == {"server_error": 1}


async def test_twilio_sdk_sees_the_concurrency_limit_and_server_errors() -> None:
    state = TwilioState(ACCOUNT, TOKEN, send_latency_s=0.3, faults=Faults(max_concurrent=1))
    server = serve_in_thread(create_twilio_app(state))
    http = AsyncTwilioHttpClient(timeout=10)
    client = Client(ACCOUNT, TOKEN, http_client=http)
    client.api.base_url = server.url
    send = {"to": "whatsapp:+15550002222", "from_": "whatsapp:+14155238886", "body": "Hi"}
    try:
        both = await asyncio.gather(
            client.messages.create_async(**send),
            client.messages.create_async(**send),
            return_exceptions=True,
        )
        refused = [r for r in both if isinstance(r, TwilioRestException)]
        assert len(refused) == 1 and (refused[0].status, refused[0].code) == (429, 20429)
        assert len(state.messages) == 1  # a refused request creates nothing

        state.faults = Faults(error_rate=1.0)
        with pytest.raises(TwilioRestException) as failed:
            await client.messages.create_async(**send)
        assert (failed.value.status, failed.value.code) == (500, 20500)
        assert len(state.messages) == 1
    finally:
        await http.close()
        server.stop()
