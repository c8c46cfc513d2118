"""Twilio's two webhooks, served by a small ASGI app in front of the FastAPI service.

Twilio waits on these POSTs, so their cost is ingress's throughput. Around a route, FastAPI's
per-request stack (middleware chain, dependency solving, native telemetry) cost more CPU than
everything the webhook does itself, so the two webhook paths are answered here, inside one
server span of their own. Measured alone (commit db87455, the same webhooks as FastAPI routes
with a signature dependency, in one bench-ingress run): 3,193-3,748 webhooks/s here against
2,074-2,210/s as routes, 1.54-1.76x, and half the server CPU per webhook. Every other
request (the original API, the probes, the docs) and the lifespan go to the FastAPI app,
which owns the adapters.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

from fastapi import FastAPI
from opentelemetry import propagate, trace
from starlette.types import Receive, Scope, Send

from feedback_contracts import DeliveryStatus, InboundMessage
from ingress.handlers import MalformedWebhook, publish_inbound
from ingress.settings import IngressSettings
from ingress.signatures import TwilioSignatureCheck, public_url
from service_runtime.publishing import PublishError

log = logging.getLogger(__name__)
_tracer = trace.get_tracer("ingress")
EMPTY_TWIML = b'<?xml version="1.0" encoding="UTF-8"?><Response></Response>'


class Rejected(Exception):
    """A webhook answered with an error status and nothing published."""

    def __init__(self, status: int, detail: str, headers: Mapping[str, str] | None = None) -> None:
        super().__init__(detail)
        self.status, self.detail, self.headers = status, detail, dict(headers or {})


class Disconnected(Exception):
    """The client went away before its body arrived."""


@dataclass(frozen=True)
class WebhookRoute:
    """What one webhook path publishes and how it answers."""

    to_event: Callable[[Mapping[str, str]], InboundMessage | DeliveryStatus]
    what: str
    status: int
    body: bytes = b""
    content_type: bytes | None = None


class TwilioWebhooks:
    """ASGI app: the webhook routes here, everything else to `app`."""

    def __init__(self, app: FastAPI, routes: Mapping[str, WebhookRoute]) -> None:
        self.app = app
        self.routes = dict(routes)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        route = self.routes.get(scope["path"]) if scope["type"] == "http" else None
        if route is None:
            await self.app(scope, receive, send)
            return
        headers = request_headers(scope)
        with _tracer.start_as_current_span(
            f"{scope['method']} {scope['path']}",
            context=propagate.extract(headers),
            kind=trace.SpanKind.SERVER,
            attributes={"http.request.method": scope["method"], "http.route": scope["path"]},
        ) as span:
            try:
                await self._handle(route, scope, receive, headers)
                status, body, content_type, extra = route.status, route.body, route.content_type, {}
            except Rejected as rejected:
                status, body = rejected.status, json.dumps({"detail": rejected.detail}).encode()
                content_type, extra = b"application/json", rejected.headers
            except Disconnected:
                span.set_attribute("error.type", "client_disconnected")
                return
            span.set_attribute("http.response.status_code", status)
            if status >= 500:
                span.set_status(trace.StatusCode.ERROR)
            await respond(send, status, body, content_type=content_type, headers=extra)

    async def _handle(
        self, route: WebhookRoute, scope: Scope, receive: Receive, headers: Mapping[str, str]
    ) -> None:
        if scope["method"] != "POST":
            raise Rejected(405, "Method Not Allowed", {"allow": "POST"})
        state = self.app.state
        settings: IngressSettings = state.settings
        body = await read_body(receive, headers, limit=settings.max_body_bytes)
        form = dict(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
        url = public_url(
            scope,
            headers,
            base_url=settings.public_base_url,
            trust_proxy=settings.trust_proxy_headers,
        )
        check: TwilioSignatureCheck = state.signature_check
        if not check.is_valid(url, form, headers.get("x-twilio-signature")):
            raise Rejected(403, "invalid Twilio signature")
        try:
            event = route.to_event(form)
        except MalformedWebhook as error:
            raise Rejected(400, f"malformed {route.what}: {error}") from error
        try:
            await publish_inbound(event, publisher=state.publisher)
        except PublishError as error:
            raise Rejected(503, "event bus unavailable", {"retry-after": "5"}) from error


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
