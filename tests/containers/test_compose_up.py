"""`docker compose up` of the shipped docker-compose.yml, driven through its published ports:
a signed WhatsApp conversation with a photo, the replies, the row, the photo, the tags and the
trace, then `docker compose down -v` leaving nothing behind."""

from __future__ import annotations

import io
import json
import subprocess
import time
import urllib.parse
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import boto3
import httpx
import pytest
from PIL import Image

from harness.docker_images import compose_environment, infrastructure_images
from harness.registry import ROOT, services
from standins.twilio_webhooks import inbound_params, post_signed

pytestmark = pytest.mark.containers
PROJECT = "fi-compose-test"
# What docker-compose.yml publishes and configures for local use.
INGRESS, PERSISTENCE, TWILIO, AWS, JAEGER = (
    "http://127.0.0.1:8000",
    "http://127.0.0.1:8004",
    "http://127.0.0.1:4010",
    "http://127.0.0.1:5000",
    "http://127.0.0.1:16686",
)
AUTH_TOKEN, API_SECRET = "local-twilio-auth-token-for-compose", "local-api-secret"
ACCOUNT_SID, BUSINESS = "AC00000000000000000000000000000000", "whatsapp:+14155238886"


def compose(*args: str, env: dict[str, str], check: bool = True) -> str:
    result = subprocess.run(
        ["docker", "compose", "-p", PROJECT, "-f", str(ROOT / "docker-compose.yml"), *args],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert not check or result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return result.stdout


def wait(condition: Callable[[], Any], timeout_s: float, what: str) -> Any:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            if found := condition():
                return found
        except (OSError, httpx.HTTPError):
            pass
        time.sleep(0.5)
    raise AssertionError(f"{what} within {timeout_s:.0f} s")


def get_json(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=10) as response:
        return json.loads(response.read())


@dataclass
class Stack:
    env: dict[str, str]
    up_started: float
    up_s: float

    def logs(self) -> str:
        return compose("logs", "--no-color", "--tail", "40", env=self.env, check=False)


@pytest.fixture(scope="module")
def stack() -> Iterator[Stack]:
    import os

    env = {**os.environ, **compose_environment(infrastructure_images())}
    compose("down", "-v", "--remove-orphans", env=env, check=False)
    started = time.monotonic()
    compose("up", "--detach", "--build", "--quiet-pull", env=env)
    running = Stack(env, started, 0.0)
    try:
        wait(lambda: get_json(f"{INGRESS}/health/"), 180, "ingress answered")
        wait(lambda: get_json(f"{PERSISTENCE}/readyz"), 180, "persistence was ready")
        running.up_s = time.monotonic() - started
        yield running
    except AssertionError:
        print(running.logs())
        raise
    finally:
        compose("down", "-v", "--remove-orphans", env=env, check=False)


class Customer:
    """A WhatsApp customer whose messages reach the published ingress port signed as Twilio
    signs them; the replies are read from the Twilio stand-in container."""

    def __init__(self) -> None:
        self.number = f"whatsapp:+1555{uuid.uuid4().int % 10**7:07d}"
        self.client = httpx.Client(timeout=20)

    def says(self, body: str, media: list[tuple[str, str]] | None = None) -> dict[str, str]:
        params = inbound_params(
            account_sid=ACCOUNT_SID, sender=self.number, to=BUSINESS, body=body, media=media or []
        )
        answer = post_signed(self.client, f"{INGRESS}/twilio/messages", params, AUTH_TOKEN)
        assert answer.status_code == 200, answer.text
        return params

    def replies(self) -> list[str]:
        sent = self.client.get(f"{TWILIO}/_standin/messages").json()
        return [m["body"] for m in sent if m["to"] == self.number]

    def waits_for_reply(self, count: int) -> list[str]:
        return wait(lambda: (r := self.replies())[count - 1 :] and r, 60, f"reply {count}")


def photo() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (80, 60), "orange").save(out, "JPEG")
    return out.getvalue()


def test_a_conversation_with_a_photo_through_the_published_ports(
    stack: Stack, report: Callable[[str], None]
) -> None:
    api = httpx.Client(base_url=PERSISTENCE, headers={"Authorization": f"Bearer {API_SECRET}"})
    topic = {"label": "leaks", "description": "Water leaking, dripping or spilling from it."}
    assert api.post("/topics", json=topic).status_code in (200, 201)
    customer = Customer()
    customer.says("hi")
    customer.waits_for_reply(1)
    first_reply_s = time.monotonic() - stack.up_started
    customer.says("Acme kettle")
    customer.waits_for_reply(2)
    customer.says("The lid leaks and the spout drips.")
    customer.waits_for_reply(3)
    customer.says("2")  # the rating, asked for after the feedback
    customer.waits_for_reply(4)
    message_sid = "MM" + uuid.uuid4().hex
    hosted = customer.client.post(
        f"{TWILIO}/_standin/media/{message_sid}",
        content=photo(),
        headers={"Content-Type": "image/jpeg"},
    ).json()["path"]
    # The media service fetches it where Twilio's stand-in is inside the compose network.
    customer.says("", media=[(f"http://twilio:4010{hosted}", "image/jpeg")])
    customer.waits_for_reply(5)
    last = customer.says("yes")
    replies = customer.waits_for_reply(6)
    assert "recorded" in replies[5].lower() or "thank" in replies[5].lower(), replies

    def row() -> dict[str, Any] | None:
        page = api.get("/feedback", params={"sender_id": customer.number}).json()
        item = page["items"][0] if page["items"] else None
        return item if item and item["media_urls"] and item["tags"] else None

    stored = wait(row, 90, "a tagged Feedback row with its photo")
    assert stored["product_name"] == "Acme kettle" and stored["rating"] == 2
    assert stored["tags"]["topics"] == ["leaks"], stored["tags"]
    # The row is in PostgreSQL itself, not only behind the API.
    count = compose(
        "exec", "-T", "postgres", "psql", "-U", "feedback", "-d", "feedback", "-tAc",
        f"select count(*) from feedback where sender_id = '{customer.number}'",
        env=stack.env,
    )  # fmt: skip
    assert count.strip() == "1"
    # The photo is in S3 (moto's container, published on 5000).
    bucket, _, key = stored["media_urls"][0].removeprefix("s3://").partition("/")
    s3 = boto3.client("s3", region_name="us-east-1", endpoint_url=AWS)
    assert s3.get_object(Bucket=bucket, Key=key)["Body"].read()[:2] == b"\xff\xd8"

    # One trace spans every service, from the webhook to the send, the row and its tags, in the
    # collector's backend (each service's exporter flushes on its own schedule: wait for all).
    def trace_services() -> set[str] | None:
        query = urllib.parse.urlencode({"service": "ingress", "limit": 200, "lookback": "1h"})
        for trace in get_json(f"{JAEGER}/api/traces?{query}")["data"]:
            tags = [t for s in trace["spans"] for t in s.get("tags", [])]
            if any(t["value"] == last["MessageSid"] for t in tags):
                names = {p["serviceName"] for p in trace["processes"].values()}
                return names if names >= set(services()) else None
        return None

    spanned = wait(trace_services, 60, "a trace of the last message through the services")
    report(
        f"docker compose up: services answering after {stack.up_s:.0f} s, the first reply after"
        f" {first_reply_s:.0f} s; the last message's trace spans {', '.join(sorted(spanned))}"
    )


def test_a_service_missing_a_required_secret_exits_naming_it(stack: Stack) -> None:
    """Outside local mode a missing secret stops the service at start, naming it; compose's
    bounded restart policy then leaves it stopped instead of restarting it for ever."""
    result = subprocess.run(
        [
            "docker",
            "run",
            "--rm",
            "-e",
            "APP_ENV=production",
            "-e",
            "SECRETS_MANAGER_SECRET_ID=",
            f"{PROJECT}-ingress",
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert result.returncode != 0
    assert "TWILIO_AUTH_TOKEN" in result.stdout + result.stderr, result.stderr[-2000:]
    config = json.loads(compose("config", "--format", "json", env=stack.env))
    for service in services():
        policy = config["services"][service]["restart"]
        assert policy.startswith("on-failure:"), (service, policy)


def test_down_leaves_no_container_network_or_volume(stack: Stack) -> None:
    compose("down", "-v", "--remove-orphans", env=stack.env)
    label = f"label=com.docker.compose.project={PROJECT}"
    for kind in ("container", "network", "volume"):
        listed = subprocess.run(
            ["docker", kind, "ls", *(["--all"] if kind == "container" else []), "-q",
             "--filter", label],
            capture_output=True, text=True, check=True,
        ).stdout.split()  # fmt: skip
        assert listed == [], f"{kind}s left behind: {listed}"
