"""What the Twilio stand-in holds: the messages sent and received, their media and statuses,
the failures scripted."""

from __future__ import annotations

import asyncio
import secrets
import threading
import time
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Annotated

import httpx
from fastapi import Depends, Request

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


def _state(request: Request) -> TwilioState:
    twilio: TwilioState = request.app.state.twilio  # set by `twilio_api.create_app`
    return twilio


State = Annotated[TwilioState, Depends(_state)]
