"""A Twilio REST API stand-in: Messages.json sends, media behind Basic auth and a CDN redirect."""

from __future__ import annotations

import asyncio
import base64
import json
import random
import secrets
import threading
import time
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from email.utils import format_datetime
from typing import Any

import httpx
from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse, RedirectResponse

from standins.faults import Faults
from standins.twilio_webhooks import post_signed_async

API = "/2010-04-01/Accounts/{account_sid}"
# The account's approved template the analyzer uses by default (FEEDBACK_TEMPLATE_SID).
APPROVED_TEMPLATES = {
    "HX" + "0" * 32: "Hi! How was your {{1}}? Reply to this message to tell us what you think."
}


@dataclass(frozen=True)
class SentMessage:
    """One message accepted by the stand-in, as Twilio would record it."""

    sid: str
    account_sid: str
    to: str
    from_: str
    body: str
    status_callback: str | None
    media_urls: tuple[str, ...] = ()
    accepted_at: float = field(default_factory=time.time)
    direction: str = "outbound-api"  # or "inbound": a customer's message Twilio received
    content_sid: str | None = None  # a template send (Content API)
    content_variables: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ScriptedFailure:
    """The next send fails with this HTTP status and Twilio error code."""

    status: int
    code: int
    message: str = "scripted failure"
    to: str | None = None  # only for sends to this recipient; None: the next send at all


@dataclass
class TwilioState:
    """What the stand-in has seen and what it will answer next."""

    account_sid: str
    auth_token: str
    messages: list[SentMessage] = field(default_factory=list)
    received: list[SentMessage] = field(default_factory=list)  # the customers' messages
    message_media: dict[str, list[str]] = field(default_factory=dict)  # message -> media sids
    failures: list[ScriptedFailure] = field(default_factory=list)
    attempts: int = 0
    attempts_to: Counter[str] = field(default_factory=Counter)
    media: dict[str, tuple[bytes, str]] = field(default_factory=dict)
    cdn: dict[str, str] = field(default_factory=dict)
    cdn_base_url: str = ""  # another host than the API's, as Twilio's CDN is
    downloads: int = 0
    credentials_sent_to_cdn: int = 0
    deleted: list[str] = field(default_factory=list)
    send_latency_s: float = 0.0  # Twilio's API takes hundreds of milliseconds to create one
    faults: Faults = field(default_factory=Faults)  # on sends: server errors, concurrency limit
    # Approved templates by ContentSid, their text with {{1}}-style variables; a template the
    # stand-in does not know is sent as its variables.
    templates: dict[str, str] = field(default_factory=lambda: dict(APPROVED_TEMPLATES))
    # Each message's last status, reported to its StatusCallback as Twilio does: sent, then
    # delivered after `callback_delay_s` each; read when the customer reads it (`mark_read`).
    statuses: dict[str, str] = field(default_factory=dict)
    callback_delay_s: float = 0.05
    callbacks: set[asyncio.Task[None]] = field(default_factory=set)
    callback_client: httpx.AsyncClient | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)

    def fail_next(self, *failures: ScriptedFailure) -> None:
        """Answer the next sends with these errors, in order."""
        with self.lock:
            self.failures.extend(failures)

    def add_media(self, message_sid: str, content: bytes, content_type: str) -> str:
        """Host a media file; returns its path as Twilio puts it in `MediaUrl{N}`."""
        media_sid = "ME" + secrets.token_hex(16)
        with self.lock:
            self.media[media_sid] = (content, content_type)
            self.message_media.setdefault(message_sid, []).append(media_sid)
        return (
            f"{API.format(account_sid=self.account_sid)}/Messages/{message_sid}/Media/{media_sid}"
        )

    def receive(self, params: Mapping[str, str]) -> None:
        """Record a customer's message as Twilio does before its webhook (the form's fields)."""
        message = SentMessage(
            sid=params["MessageSid"],
            account_sid=params.get("AccountSid", self.account_sid),
            to=params["To"],
            from_=params["From"],
            body=params.get("Body", ""),
            status_callback=None,
            direction="inbound",
        )
        with self.lock:
            self.received.append(message)

    def holds_any_of(self, customer: str) -> list[str]:
        """The SIDs of messages and media the stand-in still keeps of a customer."""
        with self.lock:
            mine = [m for m in self.messages + self.received if customer in (m.to, m.from_)]
            media = [sid for m in mine for sid in self.message_media.get(m.sid, [])]
        return [m.sid for m in mine] + [sid for sid in media if sid in self.media]

    def report(self, message: SentMessage, *statuses: str) -> None:
        """Move the message through these statuses, `callback_delay_s` apart, posting each to
        its StatusCallback, signed, if it has one (from a running event loop)."""
        task = asyncio.get_running_loop().create_task(self._post_statuses(message, statuses))
        self.callbacks.add(task)
        task.add_done_callback(self.callbacks.discard)

    def mark_read(self, sid: str) -> None:
        """The customer read the message (the emulator shows it): report `read`, once."""
        message = next((m for m in self.messages if m.sid == sid), None)
        if message is not None and self.statuses.get(sid) == "delivered":
            self.statuses[sid] = "read"
            self.report(message, "read")

    async def _post_statuses(self, message: SentMessage, statuses: tuple[str, ...]) -> None:
        callback = message.status_callback
        for status in statuses:
            await asyncio.sleep(self.callback_delay_s)
            if self.statuses.get(message.sid) == "read" and status != "read":
                continue  # read already: a status never moves back
            self.statuses[message.sid] = status
            if callback is None:
                continue
            if self.callback_client is None:
                self.callback_client = httpx.AsyncClient(timeout=10)
            params = {
                "MessageSid": message.sid,
                "SmsSid": message.sid,
                "AccountSid": message.account_sid,
                "From": message.from_,
                "To": message.to,
                "MessageStatus": status,
                "SmsStatus": status,
                "ChannelPrefix": "whatsapp",
                "ApiVersion": "2010-04-01",
            }
            try:
                await post_signed_async(self.callback_client, callback, params, self.auth_token)
            except httpx.HTTPError:
                return  # Twilio gives up on a callback URL that does not answer

    def sent_to(self, recipient: str) -> list[SentMessage]:
        """Messages sent to one recipient, in order."""
        with self.lock:
            return [message for message in self.messages if message.to == recipient]


def _authorized(request: Request, state: TwilioState) -> bool:
    expected = base64.b64encode(f"{state.account_sid}:{state.auth_token}".encode()).decode()
    return secrets.compare_digest(request.headers.get("authorization", ""), f"Basic {expected}")


def _error(status: int, code: int, message: str) -> JSONResponse:
    body = {
        "code": code,
        "message": message,
        "more_info": f"https://www.twilio.com/docs/errors/{code}",
        "status": status,
    }
    return JSONResponse(body, status_code=status)


def _resource(message: SentMessage) -> dict[str, Any]:
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


def _variables(raw: str) -> dict[str, str]:
    """ContentVariables: a JSON object of strings, as Twilio requires."""
    parsed = json.loads(raw)
    if not isinstance(parsed, dict) or not all(isinstance(v, str) for v in parsed.values()):
        raise ValueError("not an object of strings")
    return {str(k): v for k, v in parsed.items()}


def _rendered(text: str | None, content_sid: str, variables: Mapping[str, str]) -> str:
    """The template's text with its variables, as the customer would read it."""
    if text is None:
        return f"[{content_sid}] " + " | ".join(variables[k] for k in sorted(variables))
    for name, value in variables.items():
        text = text.replace("{{" + name + "}}", value)
    return text


def _listed(state: TwilioState, query: Mapping[str, str]) -> list[SentMessage]:
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


async def _create(state: TwilioState, account_sid: str, request: Request) -> Response:
    """Messages.json's create, for a request the account's limits admitted."""
    form = await request.form()
    if state.send_latency_s > 0:
        await asyncio.sleep(state.send_latency_s)
    recipient = str(form.get("To", ""))
    if state.faults.fails():  # Twilio is having a bad moment: nothing was created
        return _error(500, 20500, "Internal Server Error")
    with state.lock:
        state.attempts += 1
        state.attempts_to[recipient] += 1
        failure = next((f for f in state.failures if f.to in (None, recipient)), None)
        if failure is not None:
            state.failures.remove(failure)
    if failure is not None:
        return _error(failure.status, failure.code, failure.message)
    content_sid = str(form.get("ContentSid", "")) or None
    if not form.get("To") or not (form.get("Body") or form.get("MediaUrl") or content_sid):
        return _error(400, 21602, "Message body is required.")
    try:
        variables = _variables(str(form.get("ContentVariables", "") or "{}"))
    except ValueError:
        return _error(400, 21656, "The ContentVariables Parameter is invalid.")
    body = str(form.get("Body", ""))
    if content_sid:
        body = _rendered(state.templates.get(content_sid), content_sid, variables)
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
    return JSONResponse(_resource(message), status_code=201)


def create_app(state: TwilioState) -> FastAPI:
    """The stand-in's routes over `state`."""
    app = FastAPI(title="Twilio API stand-in")

    @app.post(API + "/Messages.json")
    async def create_message(account_sid: str, request: Request) -> Response:
        if account_sid != state.account_sid or not _authorized(request, state):
            return _error(401, 20003, "Authenticate")
        if state.faults.admit() is not None:  # the account's concurrent requests are spent
            return _error(429, 20429, "Too Many Requests")
        try:
            return await _create(state, account_sid, request)
        finally:
            state.faults.release()

    @app.get("/_standin/stats")
    async def stats() -> dict[str, Any]:
        """What the sends got, by outcome."""
        return {"outcomes": dict(state.faults.outcomes)}

    @app.get(API + "/Messages.json")
    async def list_messages(account_sid: str, request: Request) -> Response:
        """Twilio's list: newest first, filtered by `To`, `From` and `DateSent` (a date, or
        `DateSent<` / `DateSent>` for on-or-before and on-or-after), one page of `PageSize`."""
        if account_sid != state.account_sid or not _authorized(request, state):
            return _error(401, 20003, "Authenticate")
        query = request.query_params
        try:
            size = min(int(query.get("PageSize", "50")), 1000)
            matching = _listed(state, query)
        except ValueError as error:
            return _error(400, 20001, f"Invalid parameter: {error}")
        uri = f"{API.format(account_sid=account_sid)}/Messages.json"
        return JSONResponse(
            {
                "messages": [_resource(m) for m in matching[:size]],
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

    @app.get(API + "/Messages/{message_sid}/Media/{media_sid}")
    async def media(
        account_sid: str, message_sid: str, media_sid: str, request: Request
    ) -> Response:
        if not _authorized(request, state):
            return _error(401, 20003, "Authenticate")
        if media_sid not in state.media:
            return _error(404, 20404, "The requested resource was not found")
        token = secrets.token_urlsafe(16)
        with state.lock:
            state.cdn[token] = media_sid
        return RedirectResponse(f"{state.cdn_base_url}/cdn/{token}", status_code=307)

    @app.get(API + "/Messages/{message_sid}/Media.json")
    async def list_media(account_sid: str, message_sid: str, request: Request) -> Response:
        """A message's media, one page."""
        if account_sid != state.account_sid or not _authorized(request, state):
            return _error(401, 20003, "Authenticate")
        with state.lock:
            sids = [sid for sid in state.message_media.get(message_sid, []) if sid in state.media]
        uri = f"{API.format(account_sid=account_sid)}/Messages/{message_sid}/Media.json"
        media_list = [
            {
                "sid": sid,
                "account_sid": account_sid,
                "parent_sid": message_sid,
                "content_type": state.media[sid][1],
                "date_created": None,
                "date_updated": None,
                "uri": uri.replace("Media.json", f"Media/{sid}.json"),
            }
            for sid in sids
        ]
        return JSONResponse(
            {
                "media_list": media_list,
                "page": 0,
                "page_size": 50,
                "first_page_uri": uri,
                "next_page_uri": None,
                "previous_page_uri": None,
                "uri": uri,
                "start": 0,
                "end": max(0, len(media_list) - 1),
            }
        )

    @app.delete(API + "/Messages/{message_sid}.json")
    async def delete_message(account_sid: str, message_sid: str, request: Request) -> Response:
        """Twilio's Message DELETE: 204, or 404 when there is no such message."""
        if account_sid != state.account_sid or not _authorized(request, state):
            return _error(401, 20003, "Authenticate")
        with state.lock:
            before = len(state.messages) + len(state.received)
            state.messages = [m for m in state.messages if m.sid != message_sid]
            state.received = [m for m in state.received if m.sid != message_sid]
            found = len(state.messages) + len(state.received) < before
        if not found:
            return _error(404, 20404, "The requested resource was not found")
        return Response(status_code=204)

    @app.delete(API + "/Messages/{message_sid}/Media/{media_sid}.json")
    async def delete_media(
        account_sid: str, message_sid: str, media_sid: str, request: Request
    ) -> Response:
        if not _authorized(request, state):
            return _error(401, 20003, "Authenticate")
        with state.lock:
            found = state.media.pop(media_sid, None)
            state.deleted.append(media_sid)
        if found is None:
            return _error(404, 20404, "The requested resource was not found")
        return Response(status_code=204)

    @app.post("/_standin/media/{message_sid}")
    async def host_media(message_sid: str, request: Request) -> dict[str, str]:
        """Control API for other processes: host the posted bytes as a message's media."""
        content_type = request.headers.get("content-type", "application/octet-stream")
        return {"path": state.add_media(message_sid, await request.body(), content_type)}

    @app.get("/_standin/messages")
    async def sent_messages(since: int = 0) -> list[dict[str, object]]:
        """Control API for other processes: the messages accepted so far, from index `since`."""
        with state.lock:
            return [
                {"sid": m.sid, "to": m.to, "body": m.body, "accepted_at": m.accepted_at}
                for m in state.messages[since:]
            ]

    @app.get("/cdn/{token}")
    async def cdn(token: str, request: Request) -> Response:
        media_sid = state.cdn.get(token)
        if media_sid is None or media_sid not in state.media:
            return Response(status_code=404)
        with state.lock:
            state.downloads += 1
            state.credentials_sent_to_cdn += "authorization" in request.headers
        content, content_type = state.media[media_sid]
        return Response(content, media_type=content_type)

    return app


def main() -> None:
    """Run the stand-in as its own process: `python -m standins.twilio_api --port N`."""
    import argparse

    import uvicorn

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--public-url", help="the base URL clients reach this server at")
    parser.add_argument("--account-sid", required=True)
    parser.add_argument("--auth-token", required=True)
    parser.add_argument("--send-latency-ms", type=float, default=0.0)
    parser.add_argument("--error-rate", type=float, default=0.0, help="share of sends answered 500")
    parser.add_argument(
        "--max-concurrent",
        type=int,
        default=0,
        help="sends at once before a 429 (20429), as an account's concurrency limit; 0: none",
    )
    parser.add_argument("--seed", type=int, default=None)
    args = parser.parse_args()
    public = args.public_url or f"http://127.0.0.1:{args.port}"
    faults = Faults(
        error_rate=args.error_rate,
        max_concurrent=args.max_concurrent,
        draw=random.Random(args.seed),
    )
    state = TwilioState(
        args.account_sid,
        args.auth_token,
        cdn_base_url=public,
        send_latency_s=args.send_latency_ms / 1000,
        faults=faults,
    )
    uvicorn.run(create_app(state), host=args.host, port=args.port, log_level="warning")


if __name__ == "__main__":
    main()
