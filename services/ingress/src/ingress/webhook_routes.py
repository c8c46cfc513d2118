"""Twilio's two webhooks as plain FastAPI routes with a signature dependency: the B side of
the ingress A/B (`bench-ingress`), chosen with WEBHOOKS_ON_FASTAPI."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Annotated
from urllib.parse import parse_qsl

from fastapi import APIRouter, Depends, HTTPException, Request, Response

from ingress.handlers import MalformedWebhook, publish_inbound
from ingress.settings import IngressSettings
from ingress.signatures import TwilioSignatureCheck, public_url
from ingress.webhooks import Disconnected, Rejected, WebhookRoute, read_body, request_headers
from service_runtime.publishing import PublishError


async def signed_form(request: Request) -> dict[str, str]:
    """The form, read up to the body limit, once its Twilio signature is checked."""
    settings: IngressSettings = request.app.state.settings
    headers = request_headers(request.scope)
    try:
        body = await read_body(request.receive, headers, limit=settings.max_body_bytes)
    except Rejected as rejected:
        raise HTTPException(rejected.status, rejected.detail) from None
    except Disconnected:
        raise HTTPException(400, "client disconnected") from None
    form = dict(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
    url = public_url(
        request.scope,
        headers,
        base_url=settings.public_base_url,
        trust_proxy=settings.trust_proxy_headers,
    )
    check: TwilioSignatureCheck = request.app.state.signature_check
    if not check.is_valid(url, form, headers.get("x-twilio-signature")):
        raise HTTPException(403, "invalid Twilio signature")
    return form


def webhook_router(routes: Mapping[str, WebhookRoute]) -> APIRouter:
    """One POST route per webhook path."""
    router = APIRouter()
    for path, route in routes.items():
        router.add_api_route(path, _endpoint(route), methods=["POST"], include_in_schema=False)
    return router


def _endpoint(route: WebhookRoute) -> Callable[..., Awaitable[Response]]:
    async def endpoint(
        request: Request, form: Annotated[dict[str, str], Depends(signed_form)]
    ) -> Response:
        try:
            event = route.to_event(form)
        except MalformedWebhook as error:
            raise HTTPException(400, f"malformed {route.what}: {error}") from error
        try:
            await publish_inbound(event, publisher=request.app.state.publisher)
        except PublishError as error:
            raise HTTPException(503, "event bus unavailable", {"Retry-After": "5"}) from error
        media_type = route.content_type.decode() if route.content_type else None
        return Response(route.body or None, status_code=route.status, media_type=media_type)

    return endpoint
