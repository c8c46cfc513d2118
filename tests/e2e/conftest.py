"""The whole system, started once for the e2e tests, with the stand-ins and a span receiver."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import httpx
import pytest

from harness.postgres import fresh_database
from harness.system import System, SystemConfig, start_system
from standins.openai_api import create_app as openai_app
from standins.openai_state import OpenAIState
from standins.otlp import SpanLog
from standins.otlp import create_app as otlp_app
from standins.serving import RunningServer, serve_in_thread
from standins.twilio_api import create_app as twilio_app
from standins.twilio_state import TwilioState
from standins.twilio_webhooks import inbound_params, post_signed


@dataclass
class World:
    """Everything an e2e test touches (stopped after its module, so no service process outlives
    it to join the consumer groups of later tests)."""

    system: System
    twilio: TwilioState
    twilio_url: str
    llm: OpenAIState
    spans: SpanLog
    database_url: str


@pytest.fixture(scope="module")
def world(
    kafka_bootstrap: str,
    postgres_url: str,
    aws_endpoint: str,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[World]:
    config = SystemConfig(
        kafka=kafka_bootstrap,
        database_url="",
        aws_endpoint=aws_endpoint,
        twilio_api="",
        openai_api=None,
    )
    twilio = TwilioState(config.account_sid, config.auth_token)
    llm, spans = OpenAIState(), SpanLog()
    servers: list[RunningServer] = [
        serve_in_thread(twilio_app(twilio)),
        serve_in_thread(openai_app(llm)),
        serve_in_thread(otlp_app(spans)),
    ]
    twilio.cdn_base_url = servers[0].url
    database = fresh_database(postgres_url, "e2e")
    config = SystemConfig(
        kafka=kafka_bootstrap,
        database_url=database,
        aws_endpoint=aws_endpoint,
        twilio_api=servers[0].url.replace("127.0.0.1", "localhost"),
        openai_api=f"{servers[1].url}/v1",
        otlp_endpoint=servers[2].url,
        bucket=f"e2e-{uuid.uuid4().hex[:8]}",
        log_level="INFO",  # what production runs at: the log-scan test reads these logs
    )
    system = start_system(config, tmp_path_factory.mktemp("system"))
    try:
        yield World(system, twilio, config.twilio_api, llm, spans, database)
    finally:
        system.stop()
        for server in servers:
            server.stop()


def wait(condition: Callable[[], bool], timeout_s: float, what: str) -> None:
    """Poll until `condition()` holds; fail with `what` after `timeout_s`."""
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, what
        time.sleep(0.1)


class Customer:
    def __init__(self, world: World) -> None:
        self.world = world
        self.number = f"whatsapp:+1555{uuid.uuid4().int % 10**7:07d}"
        self.client = httpx.Client(timeout=20)

    def says(self, body: str, media: list[tuple[str, str]] = ()) -> dict[str, str]:  # type: ignore[assignment]
        config = self.world.system.config
        params = inbound_params(
            account_sid=config.account_sid,
            sender=self.number,
            to=config.business_number,
            body=body,
            media=list(media),
        )
        self.send(params)
        return params

    def send(self, params: dict[str, str]) -> None:
        self.world.twilio.receive(params)  # Twilio keeps the customer's message, too
        url = f"{self.world.system.urls['ingress']}/twilio/messages"
        response = post_signed(self.client, url, params, self.world.system.config.auth_token)
        assert response.status_code == 200, response.text

    def replies(self) -> list[str]:
        return [message.body for message in self.world.twilio.sent_to(self.number)]

    def waits_for_reply(self, count: int) -> None:
        deadline = time.monotonic() + 60
        while len(self.replies()) < count:
            assert time.monotonic() < deadline, f"replies so far: {self.replies()}"
            time.sleep(0.1)
