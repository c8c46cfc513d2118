"""BodyGuard: no byte of a body is read before the caller is known, and none past the limit."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.types import Message, Receive, Scope, Send

from service_runtime.auth import bearer_matches
from service_runtime.bodies import BodyGuard

pytestmark = pytest.mark.unit


def scope(method: str = "POST", **headers: str) -> Scope:
    raw = [(name.replace("_", "-").encode(), value.encode()) for name, value in headers.items()]
    return {"type": "http", "method": method, "path": "/topics", "headers": raw}


class Client:
    """A client streaming `chunks` of 1 MiB, counting what the server read."""

    def __init__(self, chunks: int) -> None:
        self.left, self.read, self.sent = chunks, 0, []  # type: ignore[var-annotated]

    async def receive(self) -> Message:
        self.read += 1
        self.left -= 1
        return {"type": "http.request", "body": b"x" * 2**20, "more_body": self.left > 0}

    async def send(self, message: Message) -> None:
        self.sent.append(message)

    @property
    def status(self) -> Any:
        return self.sent[0]["status"] if self.sent else None


async def echo_length(scope: Scope, receive: Receive, send: Send) -> None:
    message = await receive()
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": str(len(message["body"])).encode()})


def guard(limit: int = 3 * 2**20) -> BodyGuard:
    return BodyGuard(
        echo_length,
        limit=limit,
        authorized=lambda path, h: bearer_matches(h.get("authorization"), "s"),
    )


async def test_an_unauthenticated_body_is_refused_before_a_byte_is_read() -> None:
    client = Client(chunks=10)
    await guard()(scope(content_length=str(10 * 2**20)), client.receive, client.send)
    assert client.status == 401 and client.read == 0


async def test_a_declared_length_over_the_limit_is_refused_unread() -> None:
    client = Client(chunks=10)
    headers = {"authorization": "Bearer s", "content_length": str(10 * 2**20)}
    await guard()(scope(**headers), client.receive, client.send)
    assert client.status == 413 and client.read == 0


async def test_a_streamed_body_stops_being_read_past_the_limit() -> None:
    client = Client(chunks=10)
    await guard()(scope(authorization="Bearer s"), client.receive, client.send)
    assert client.status == 413 and client.read == 4  # 4 MiB seen against a 3 MiB limit


async def test_a_body_within_the_limit_reaches_the_app_whole() -> None:
    client = Client(chunks=2)
    await guard()(scope(authorization="Bearer s"), client.receive, client.send)
    assert client.status == 200 and client.sent[1]["body"] == str(2 * 2**20).encode()


async def test_requests_without_a_body_pass_untouched() -> None:
    client = Client(chunks=1)
    await guard()(scope("GET"), client.receive, client.send)
    assert client.status == 200
