"""Twilio's answers as its REST API words them: errors, message resources, lists, templates."""

from __future__ import annotations

import base64
import json
import secrets
from collections.abc import Mapping
from datetime import UTC, date, datetime
from email.utils import format_datetime
from typing import Any

from fastapi import Request
from fastapi.responses import JSONResponse

from standins.twilio_state import API, SentMessage, TwilioState


def authorized(request: Request, state: TwilioState) -> bool:
    expected = base64.b64encode(f"{state.account_sid}:{state.auth_token}".encode()).decode()
    return secrets.compare_digest(request.headers.get("authorization", ""), f"Basic {expected}")


def twilio_error(status: int, code: int, message: str) -> JSONResponse:
    body = {
        "code": code,
        "message": message,
        "more_info": f"https://www.twilio.com/docs/errors/{code}",
        "status": status,
    }
    return JSONResponse(body, status_code=status)


def resource(message: SentMessage) -> dict[str, Any]:
    now = format_datetime(datetime.fromtimestamp(message.accepted_at, UTC), usegmt=True)
    return {
        "sid": message.sid,
        "account_sid": message.account_sid,
        "to": message.to,
        "from": message.from_,
        "body": message.body,
        "status": "received" if message.direction == "inbound" else "queued",
        "direction": message.direction,
        "num_segments": "1",
        "num_media": str(len(message.media_urls)),
        "api_version": "2010-04-01",
        "date_created": now,
        "date_updated": now,
        "date_sent": now,  # WhatsApp sends leave at once here
        "error_code": None,
        "error_message": None,
        "price": None,
        "price_unit": "USD",
        "messaging_service_sid": None,
        "uri": f"{API.format(account_sid=message.account_sid)}/Messages/{message.sid}.json",
        "subresource_uris": {},
    }


def parsed_variables(raw: str) -> dict[str, str]:
    """ContentVariables: a JSON object of strings, as Twilio requires."""
    parsed = json.loads(raw)
    if not isinstance(parsed, dict) or not all(isinstance(v, str) for v in parsed.values()):
        raise ValueError("not an object of strings")
    return {str(k): v for k, v in parsed.items()}


def rendered(text: str | None, content_sid: str, variables: Mapping[str, str]) -> str:
    """The template's text with its variables, as the customer would read it."""
    if text is None:
        return f"[{content_sid}] " + " | ".join(variables[k] for k in sorted(variables))
    for name, value in variables.items():
        text = text.replace("{{" + name + "}}", value)
    return text


def listed(state: TwilioState, query: Mapping[str, str]) -> list[SentMessage]:
    """The messages a list query selects, newest first."""

    def day(name: str) -> date | None:
        value = query.get(name)
        return date.fromisoformat(value[:10]) if value else None

    on, before, after = day("DateSent"), day("DateSent<"), day("DateSent>")
    with state.lock:
        messages = sorted(state.messages + state.received, key=lambda m: -m.accepted_at)
    return [
        m
        for m in messages
        if query.get("To") in (None, m.to)
        and query.get("From") in (None, m.from_)
        and (sent := datetime.fromtimestamp(m.accepted_at, UTC).date())
        and (on is None or sent == on)
        and (before is None or sent <= before)
        and (after is None or sent >= after)
    ]
