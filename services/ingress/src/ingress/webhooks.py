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
from urllib.parse import parse_qsl

from fastapi import FastAPI
from opentelemetry import propagate, trace
from starlette.types import Receive, Scope, Send

from feedback_contracts import DeliveryStatus, InboundMessage
from ingress.asgi import Disconnected, Rejected, read_body, request_headers, respond
from ingress.handlers import (
    MalformedWebhook,
    inbound_from_twilio,
    publish_inbound,
    status_from_twilio,
)
from ingress.settings import IngressSettings
from ingress.signatures import TwilioSignatureCheck, public_url
from service_runtime.publishing import PublishError

log = logging.getLogger(__name__)
_tracer = trace.get_tracer("ingress")
EMPTY_TWIML = b'<?xml version="1.0" encoding="UTF-8"?><Response></Response>'


@dataclass(frozen=True)
class WebhookRoute:
    """What one webhook path publishes and how it answers."""

    # From the form and the URL's query string.
    to_event: Callable[[Mapping[str, str], Mapping[str, str]], InboundMessage | DeliveryStatus]
    what: str
    status: int
    body: bytes = b""
    content_type: bytes | None = None


TWILIO_WEBHOOKS = {
    "/twilio/messages": WebhookRoute(
        inbound_from_twilio, "webhook", 200, EMPTY_TWIML, b"text/xml; charset=utf-8"
    ),
    "/twilio/status": WebhookRoute(status_from_twilio, "status callback", 204),
}


class TwilioWebhooks:
    """ASGI app: the webhook routes here, everything else to `app` (whose lifespan starts the
    publisher the webhooks publish with)."""

    def __init__(
        self,
        app: FastAPI,
        *,
        settings: IngressSettings,
        signature_check: TwilioSignatureCheck,
        routes: Mapping[str, WebhookRoute] = TWILIO_WEBHOOKS,
    ) -> None:
        self.app = app
        self.routes = dict(routes)
        self._settings, self._check = settings, signature_check

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
        settings = self._settings
        body = await read_body(receive, headers, limit=settings.max_body_bytes)
        form = dict(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
        url = public_url(
            scope,
            headers,
            base_url=settings.public_base_url,
            trust_proxy=settings.trust_proxy_headers,
        )
        if not self._check.is_valid(url, form, headers.get("x-twilio-signature")):
            raise Rejected(403, "invalid Twilio signature")
        try:
            query = dict(parse_qsl(scope.get("query_string", b"").decode("latin-1")))
            event = route.to_event(form, query)
        except MalformedWebhook as error:
            raise Rejected(400, f"malformed {route.what}: {error}") from error
        try:
            await publish_inbound(event, publisher=self.app.state.publisher)
        except PublishError as error:
            raise Rejected(503, "event bus unavailable", {"retry-after": "5"}) from error
