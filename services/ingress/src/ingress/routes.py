"""The FastAPI routes: the original API and health check (Twilio's webhooks: `webhooks.py`)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError

from ingress.api import ReplyBody
from ingress.handlers import (
    inbound_from_api,
    publish_inbound,
)
from ingress.settings import IngressSettings
from service_runtime.auth import require_bearer
from service_runtime.publishing import Publisher, PublishError

router = APIRouter()


def _settings(request: Request) -> IngressSettings:
    settings: IngressSettings = request.app.state.settings
    return settings


@router.get("/health/")
async def health() -> dict[str, str]:
    """The original health check."""
    return {"status": "healthy"}


_bearer = require_bearer(
    lambda request: _settings(request).intelligence_api_secret.get_secret_value()
)


async def _reply_body(request: Request) -> ReplyBody:
    """The body, validated. `BodyGuard` (service_runtime.bodies) has already refused it
    unread without the token, or over `MAX_BODY_BYTES`."""
    try:
        return ReplyBody.model_validate_json(await request.body())
    except ValidationError as invalid:
        raise RequestValidationError(invalid.errors(include_input=False)) from None


@router.post(
    "/reply/",
    dependencies=[Depends(_bearer)],
    openapi_extra={  # the body is read by `_reply_body`, after the token check
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": ReplyBody.model_json_schema()}},
        }
    },
)
async def reply(
    request: Request, body: Annotated[ReplyBody, Depends(_reply_body)]
) -> dict[str, str | None]:
    """The original API: queue a customer message; the reply is sent asynchronously."""
    event = inbound_from_api(sender_id=body.sender_id, message=body.message)
    publisher: Publisher = request.app.state.publisher
    try:
        await publish_inbound(event, publisher=publisher)
    except PublishError as error:
        raise HTTPException(503, "event bus unavailable", headers={"Retry-After": "5"}) from error
    return {"session_id": None, "message_id": event.message_sid, "status": "queued"}
