"""ingress over real Kafka: signatures, proxy trust, limits, the original API, Kafka down."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from feedback_contracts import InboundMessage, topics
from harness.processes import free_port, port_open, stop, wait_until
from harness.topics import read_until, with_correlation
from ingress.bootstrap import create_app
from ingress.settings import IngressSettings
from standins.serving import RunningServer, serve_in_thread
from standins.twilio_webhooks import inbound_params, post_signed, sign

pytestmark = pytest.mark.integration
TOKEN, API_SECRET, ACCOUNT = "f" * 32, "api-secret-for-tests", "AC" + "0" * 32
BUSINESS = "whatsapp:+14155238886"
StartIngress = Callable[..., RunningServer]


@pytest.fixture(scope="module")
def start_ingress(kafka_bootstrap: str) -> Iterator[StartIngress]:
    servers: list[RunningServer] = []

    def start(**overrides: object) -> RunningServer:
        values: dict[str, object] = {
            "environment": "local",
            "kafka_bootstrap_servers": kafka_bootstrap,
            "twilio_auth_token": TOKEN,
            "intelligence_api_secret": API_SECRET,
            **overrides,
        }
        servers.append(serve_in_thread(create_app(IngressSettings(**values)), lifespan=True))  # type: ignore[arg-type]
        return servers[-1]

    yield start
    for server in servers:
        server.stop()


@pytest.fixture(scope="module")
def ingress(start_ingress: StartIngress) -> RunningServer:
    return start_ingress()


def customer() -> str:
    return f"whatsapp:+1555{uuid.uuid4().int % 10**7:07d}"


def form(sender: str, body: str = "hello") -> dict[str, str]:
    return inbound_params(account_sid=ACCOUNT, sender=sender, to=BUSINESS, body=body)


async def test_valid_signature_is_published_and_answered_with_twiml(
    ingress: RunningServer, kafka_bootstrap: str
) -> None:
    params = form(customer()) | {"SomeFutureField": "kept"}
    url = f"{ingress.url}/twilio/messages"
    with httpx.Client() as client:
        response = post_signed(client, url, params, TOKEN)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/xml")
    assert response.text.endswith("<Response></Response>")
    seen = await read_until(
        kafka_bootstrap, topics.INBOUND_MESSAGES, with_correlation(params["MessageSid"])
    )
    event = next(item.data for item in seen if item.correlation_id == params["MessageSid"])
    assert isinstance(event, InboundMessage)
    assert (event.sender_id, event.body, event.profile_name) == (
        params["From"],
        "hello",
        "Customer",
    )
    assert event.extra["SomeFutureField"] == "kept"


async def test_bad_signatures_are_rejected_and_nothing_published(
    ingress: RunningServer, kafka_bootstrap: str
) -> None:
    sender, url = customer(), f"{ingress.url}/twilio/messages"
    forged, missing, tampered, wrong_url = (form(sender) for _ in range(4))
    with httpx.Client() as client:
        responses = [
            client.post(
                url, data=forged, headers={"X-Twilio-Signature": sign(url, forged, "0" * 32)}
            ),
            client.post(url, data=missing),
            client.post(
                url,
                data=tampered | {"Body": "changed"},
                headers={"X-Twilio-Signature": sign(url, tampered, TOKEN)},
            ),
            post_signed(
                client,
                url,
                wrong_url,
                TOKEN,
                signed_url="https://elsewhere.example/twilio/messages",
            ),
        ]
        sentinel = form(sender)
        assert post_signed(client, url, sentinel, TOKEN).status_code == 200
    assert [response.status_code for response in responses] == [403, 403, 403, 403]
    rejected = {params["MessageSid"] for params in (forged, missing, tampered, wrong_url)}
    seen = await read_until(
        kafka_bootstrap, topics.INBOUND_MESSAGES, with_correlation(sentinel["MessageSid"])
    )
    assert rejected.isdisjoint(item.correlation_id for item in seen)


@pytest.mark.parametrize(("trust", "status"), [(False, 403), (True, 200)])
def test_proxy_url_is_trusted_only_when_switched_on(
    start_ingress: StartIngress, trust: bool, status: int
) -> None:
    server = start_ingress(trust_proxy_headers=trust)
    params, public = form(customer()), "https://hooks.example.com/twilio/messages"
    headers = {
        "X-Forwarded-Proto": "https",
        "X-Forwarded-Host": "hooks.example.com",
        "X-Twilio-Signature": sign(public, params, TOKEN),
    }
    response = httpx.post(f"{server.url}/twilio/messages", data=params, headers=headers)
    assert response.status_code == status


def test_oversized_body_is_413(ingress: RunningServer) -> None:
    params = form(customer(), body="x" * 70_000)
    with httpx.Client() as client:
        assert (
            post_signed(client, f"{ingress.url}/twilio/messages", params, TOKEN).status_code == 413
        )


def test_kafka_down_gives_503(start_ingress: StartIngress) -> None:
    server = start_ingress(kafka_bootstrap_servers="127.0.0.1:1", kafka_publish_timeout_s=1.0)
    with httpx.Client(timeout=15) as client:
        response = post_signed(client, f"{server.url}/twilio/messages", form(customer()), TOKEN)
    assert response.status_code == 503 and response.headers["retry-after"] == "5"


def test_status_callback_is_published(ingress: RunningServer) -> None:
    params = {
        "MessageSid": "SM" + uuid.uuid4().hex,
        "MessageStatus": "delivered",
        "To": customer(),
        "AccountSid": ACCOUNT,
        "ChannelPrefix": "whatsapp",
    }
    with httpx.Client() as client:
        assert post_signed(client, f"{ingress.url}/twilio/status", params, TOKEN).status_code == 204
        assert client.post(f"{ingress.url}/twilio/status", data=params).status_code == 403


async def test_original_api(ingress: RunningServer, kafka_bootstrap: str) -> None:
    auth = {"Authorization": f"Bearer {API_SECRET}"}
    with httpx.Client(base_url=ingress.url) as client:
        assert client.get("/health/").json() == {"status": "healthy"}
        assert client.post("/reply/", json={"sender_id": "+1", "message": "x"}).status_code == 401
        bad = client.post(
            "/reply/", content=b"{not json", headers=auth | {"content-type": "application/json"}
        )
        missing = client.post("/reply/", json={"sender_id": "+15550001111"}, headers=auth)
        ok = client.post(
            "/reply/", json={"sender_id": "+15550001111", "message": "hi"}, headers=auth
        )
    assert bad.status_code == 422 and "json" in bad.text.lower()
    assert missing.status_code == 422 and "message" in missing.text
    body = ok.json()
    assert ok.status_code == 200 and body["status"] == "queued" and body["session_id"] is None
    seen = await read_until(
        kafka_bootstrap, topics.INBOUND_MESSAGES, with_correlation(body["message_id"])
    )
    assert any(
        item.data.origin == "api" for item in seen if item.correlation_id == body["message_id"]
    )  # type: ignore[attr-defined]


def test_the_bearer_scheme_is_required(ingress: RunningServer) -> None:
    body = {"sender_id": "+15550001111", "message": "hi"}
    with httpx.Client(base_url=ingress.url) as client:
        raw = client.post("/reply/", json=body, headers={"Authorization": API_SECRET})
        basic = client.post("/reply/", json=body, headers={"Authorization": f"Basic {API_SECRET}"})
    assert raw.status_code == 401 and basic.status_code == 401


@pytest.mark.parametrize(
    "content",
    [
        b'{"sender_id": "' + b"1" * 85 + b'", "message": "hi"}',  # later refused by varchar(64)
        b'{"sender_id": "\\ud800", "message": "hi"}',  # a lone surrogate
        b'{"sender_id": "+15550001111", "message": "a\\u0000b"}',  # NUL
        b'{"sender_id": "+15550001111", "message": "' + b"x" * 5000 + b'"}',  # over WhatsApp's
    ],
)
def test_reply_refuses_with_422_what_no_store_could_hold(
    ingress: RunningServer, content: bytes
) -> None:
    headers = {"Authorization": f"Bearer {API_SECRET}", "content-type": "application/json"}
    with httpx.Client(base_url=ingress.url) as client:
        answer = client.post("/reply/", content=content, headers=headers)
    assert answer.status_code == 422, answer.text


def test_reply_body_over_the_limit_is_413_not_503(ingress: RunningServer) -> None:
    headers = {"Authorization": f"Bearer {API_SECRET}", "content-type": "application/json"}
    content = b'{"sender_id": "+15550001111", "message": "' + b"x" * 2_000_000 + b'"}'
    with httpx.Client(base_url=ingress.url) as client:
        assert client.post("/reply/", content=content, headers=headers).status_code == 413


def test_an_unauthenticated_10_mb_body_is_refused_without_being_read(
    kafka_bootstrap: str, tmp_path: Path
) -> None:
    port = free_port()
    env = {
        **os.environ,
        "FLASK_ENV": "local",
        "KAFKA_BOOTSTRAP_SERVERS": kafka_bootstrap,
        "TWILIO_AUTH_TOKEN": TOKEN,
        "INTELLIGENCE_API_SECRET": API_SECRET,
        "HTTP_HOST": "127.0.0.1",
        "HTTP_PORT": str(port),
        "LOG_LEVEL": "WARNING",
    }
    log = tmp_path / "ingress.log"
    with open(log, "wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "ingress.main"], env=env, stdout=out, stderr=subprocess.STDOUT
        )
    try:
        wait_until(lambda: port_open(port), timeout_s=60, what="ingress", process=process, log=log)
        with httpx.Client(base_url=f"http://127.0.0.1:{port}") as client:
            for _ in range(3):  # the same path warm: what grows after is the body's doing
                assert client.post("/reply/", content=b"{}").status_code == 401
            before = peak_rss_kib(process.pid)

            def ten_megabytes() -> Iterator[bytes]:
                for _ in range(160):
                    yield b"x" * 65536

            try:
                answer = client.post("/reply/", content=ten_megabytes()).status_code
            except httpx.TransportError:  # the server may close before taking it all
                answer = 401
            grown = peak_rss_kib(process.pid) - before
    finally:
        stop(process)
    assert answer == 401
    assert grown < 4 * 1024, f"ingress's peak RSS grew by {grown} KiB"


def peak_rss_kib(pid: int) -> int:
    """The process's peak resident memory so far (VmHWM in /proc)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    raise KeyError("VmHWM")
