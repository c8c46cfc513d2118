"""Plain ASGI: a request's headers, its body within a limit, a complete response."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from starlette.types import Receive, Scope, Send


def request_headers(scope: Scope) -> dict[str, str]:
    """The request's headers by lower-case name; the first of repeated ones, as Starlette's."""
    headers: dict[str, str] = {}
    for name, value in scope["headers"]:
        headers.setdefault(name.decode("latin-1"), value.decode("latin-1"))
    return headers


async def read_body(receive: Receive, headers: Mapping[str, str], *, limit: int) -> bytes:
    """The whole body, refusing with 413 as soon as it is known to exceed `limit`."""
    declared = headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise Rejected(413, f"body over {limit} bytes")
    chunks: list[bytes] = []
    size, more = 0, True
    while more:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise Disconnected
        chunk: bytes = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise Rejected(413, f"body over {limit} bytes")
        chunks.append(chunk)
        more = message.get("more_body", False)
    return b"".join(chunks)


async def respond(
    send: Send,
    status: int,
    body: bytes,
    *,
    content_type: bytes | None,
    headers: Mapping[str, str],
) -> None:
    """Send a complete response; no body and no length on 204, as HTTP requires."""
    raw: list[tuple[bytes, bytes]] = []
    if status != 204:
        raw.append((b"content-length", str(len(body)).encode()))
    if content_type:
        raw.append((b"content-type", content_type))
    raw += [(name.encode("latin-1"), value.encode("latin-1")) for name, value in headers.items()]
    message: dict[str, Any] = {"type": "http.response.start", "status": status, "headers": raw}
    await send(message)
    await send({"type": "http.response.body", "body": b"" if status == 204 else body})


class Rejected(Exception):
    """A webhook answered with an error status and nothing published."""

    def __init__(self, status: int, detail: str, headers: Mapping[str, str] | None = None) -> None:
        super().__init__(detail)
        self.status, self.detail, self.headers = status, detail, dict(headers or {})


class Disconnected(Exception):
    """The client went away before its body arrived."""
