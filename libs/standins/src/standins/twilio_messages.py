"""The stand-in's Messages.json: create, list and delete, as Twilio answers them."""

from __future__ import annotations

import asyncio
import secrets
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

from standins.twilio_resources import (
    authorized,
    listed,
    parsed_variables,
    rendered,
    resource,
    twilio_error,
)
from standins.twilio_state import API, ScriptedFailure, SentMessage, State, TwilioState


async def created(state: TwilioState, account_sid: str, request: Request) -> Response:
    """Messages.json's create, for a request the account's limits admitted."""
    form = await request.form()
    if state.send_latency_s > 0:
        await asyncio.sleep(state.send_latency_s)
    recipient = str(form.get("To", ""))
    if state.faults.fails():  # Twilio is having a bad moment: nothing was created
        return twilio_error(500, 20500, "Internal Server Error")
    failure = _scripted_failure(state, recipient)
    if failure is not None:
        return twilio_error(failure.status, failure.code, failure.message)
    content_sid = str(form.get("ContentSid", "")) or None
    if not form.get("To") or not (form.get("Body") or form.get("MediaUrl") or content_sid):
        return twilio_error(400, 21602, "Message body is required.")
    try:
        variables = parsed_variables(str(form.get("ContentVariables", "") or "{}"))
    except ValueError:
        return twilio_error(400, 21656, "The ContentVariables Parameter is invalid.")
    body = str(form.get("Body", ""))
    if content_sid:
        body = rendered(state.templates.get(content_sid), content_sid, variables)
    message = SentMessage(
        sid="SM" + secrets.token_hex(16),
        account_sid=account_sid,
        to=str(form["To"]),
        from_=str(form.get("From", "")),
        body=body,
        content_sid=content_sid,
        content_variables=variables,
        status_callback=str(form["StatusCallback"]) if form.get("StatusCallback") else None,
        media_urls=tuple(str(value) for value in form.getlist("MediaUrl")),
    )
    with state.lock:
        state.messages.append(message)
        state.statuses[message.sid] = "queued"
    state.report(message, "sent", "delivered")
    return JSONResponse(resource(message), status_code=201)


def _scripted_failure(state: TwilioState, recipient: str) -> ScriptedFailure | None:
    """Count the attempt; the next failure scripted for the recipient (used up), if any."""
    with state.lock:
        state.attempts += 1
        state.attempts_to[recipient] += 1
        failure = next((f for f in state.failures if f.to in (None, recipient)), None)
        if failure is not None:
            state.failures.remove(failure)
    return failure


router = APIRouter()


@router.post(API + "/Messages.json")
async def create_message(state: State, account_sid: str, request: Request) -> Response:
    if account_sid != state.account_sid or not authorized(request, state):
        return twilio_error(401, 20003, "Authenticate")
    if state.faults.admit() is not None:  # the account's concurrent requests are spent
        return twilio_error(429, 20429, "Too Many Requests")
    try:
        return await created(state, account_sid, request)
    finally:
        state.faults.release()


@router.get("/_standin/stats")
async def stats(state: State) -> dict[str, Any]:
    """What the sends got, by outcome."""
    return {"outcomes": dict(state.faults.outcomes)}


@router.get(API + "/Messages.json")
async def list_messages(state: State, account_sid: str, request: Request) -> Response:
    """Twilio's list: newest first, filtered by `To`, `From` and `DateSent` (a date, or
    `DateSent<` / `DateSent>` for on-or-before and on-or-after), one page of `PageSize`."""
    if account_sid != state.account_sid or not authorized(request, state):
        return twilio_error(401, 20003, "Authenticate")
    query = request.query_params
    try:
        size = min(int(query.get("PageSize", "50")), 1000)
        matching = listed(state, query)
    except ValueError as error:
        return twilio_error(400, 20001, f"Invalid parameter: {error}")
    uri = f"{API.format(account_sid=account_sid)}/Messages.json"
    return JSONResponse(
        {
            "messages": [resource(m) for m in matching[:size]],
            "page": 0,
            "page_size": size,
            "first_page_uri": f"{uri}?PageSize={size}&Page=0",
            "next_page_uri": None,
            "previous_page_uri": None,
            "uri": f"{uri}?PageSize={size}&Page=0",
            "start": 0,
            "end": max(0, min(size, len(matching)) - 1),
        }
    )


@router.delete(API + "/Messages/{message_sid}.json")
async def delete_message(
    state: State, account_sid: str, message_sid: str, request: Request
) -> Response:
    """Twilio's Message DELETE: 204, or 404 when there is no such message."""
    if account_sid != state.account_sid or not authorized(request, state):
        return twilio_error(401, 20003, "Authenticate")
    with state.lock:
        before = len(state.messages) + len(state.received)
        state.messages = [m for m in state.messages if m.sid != message_sid]
        state.received = [m for m in state.received if m.sid != message_sid]
        found = len(state.messages) + len(state.received) < before
    if not found:
        return twilio_error(404, 20404, "The requested resource was not found")
    return Response(status_code=204)


@router.get("/_standin/messages")
async def sent_messages(state: State, since: int = 0) -> list[dict[str, object]]:
    """Control API for other processes: the messages accepted so far, from index `since`."""
    with state.lock:
        return [
            {"sid": m.sid, "to": m.to, "body": m.body, "accepted_at": m.accepted_at}
            for m in state.messages[since:]
        ]
