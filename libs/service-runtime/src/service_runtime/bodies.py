"""Request bodies bounded, and read only once the caller is known.

FastAPI reads a route's body before it runs the route's dependencies, the bearer check among
them, so without this a client with no token could make a service read (and hold) any body it
sends. `BodyGuard` sits in front of the app: a request that carries a body is refused with 401
before a byte of it is read unless `authorized` accepts its path and headers, and with 413 once
the body is known to exceed `limit` (from Content-Length at once, else as it streams). A body
it lets through is at most `limit` bytes, read once and handed on.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

BODYLESS = frozenset({"GET", "HEAD", "OPTIONS"})


class BodyGuard:
    """ASGI middleware: authorize, then bound, every request body."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        limit: int,
        authorized: Callable[[str, Headers], bool] | None = None,
    ) -> None:
        self._app, self._limit, self._authorized = app, limit, authorized

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in BODYLESS:
            await self._app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        if self._authorized is not None and not self._authorized(scope["path"], headers):
            await _answer(
                send, 401, "missing or wrong bearer token", {"www-authenticate": "Bearer"}
            )
            return
        declared = headers.get("content-length", "")
        if declared.isdigit() and int(declared) > self._limit:
            await _answer(send, 413, f"body over {self._limit} bytes")
            return
        chunks: list[bytes] = []
        size, more = 0, True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk: bytes = message.get("body", b"")
            size += len(chunk)
            if size > self._limit:
                await _answer(send, 413, f"body over {self._limit} bytes")
                return
            chunks.append(chunk)
            more = message.get("more_body", False)
        body, delivered = b"".join(chunks), False

        async def replay() -> Message:
            nonlocal delivered
            if delivered:
                return await receive()  # after the body: the client's disconnect
            delivered = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self._app(scope, replay, send)


async def _answer(
    send: Send, status: int, detail: str, headers: dict[str, str] | None = None
) -> None:
    body = json.dumps({"detail": detail}).encode()
    raw = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    raw += [(k.encode(), v.encode()) for k, v in (headers or {}).items()]
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": body})
