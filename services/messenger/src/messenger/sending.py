"""Sending a WhatsApp message: the port, the Twilio SDK adapter and a recording fake."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

import aiohttp
from twilio.base import values
from twilio.base.exceptions import TwilioRestException
from twilio.http.async_http_client import AsyncTwilioHttpClient
from twilio.rest import Client

RETRYABLE_CODES = frozenset({20429, 20500, 20503, 63018})
PERMANENT_CODES = frozenset({63016, 21610, 21211, 21614, 63024, 63003, 21408, 21606, 63007})
CLOCK_SKEW = timedelta(seconds=60)  # between our clock and Twilio's date_created


@dataclass
class SendError(Exception):
    """Twilio did not accept a message; `status` 0 means no HTTP answer at all."""

    status: int
    code: int | None
    message: str
    outcome_unknown: bool = False

    @property
    def retryable(self) -> bool:
        """Rate limits and server errors may pass; anything else will fail the same way."""
        if self.code in PERMANENT_CODES:
            return False
        return self.status in (0, 429) or self.status >= 500 or self.code in RETRYABLE_CODES


class MessageSender(Protocol):
    """Sends one message and returns the provider's message id; finds one sent earlier."""

    async def send(self, *, to: str, from_: str, body: str, status_callback: str | None) -> str: ...

    async def send_template(
        self,
        *,
        to: str,
        from_: str,
        content_sid: str,
        variables: dict[str, str],
        status_callback: str | None,
    ) -> str:
        """Send an approved template (Content API) with its variables; the message id."""
        ...

    async def find_sent(
        self, *, to: str, from_: str, body: str | None, since: datetime
    ) -> str | None:
        """The SID of a message sent to `to` since `since` (with this body, unless None), if
        Twilio has one."""
        ...

    async def messages_between(self, *, from_: str, to: str, limit: int) -> list[str]:
        """The SIDs of (at most `limit` of) the newest messages from `from_` to `to`."""
        ...

    async def erase(self, message_sid: str) -> int:
        """Delete a message's media and then the message at the provider; how many media."""
        ...


class TwilioMessageSender:
    """The official twilio SDK on its asyncio HTTP client (aiohttp), optionally pointed at
    another API base URL. Sends run concurrently on one connection pool: no worker threads, so
    Twilio's latency does not cap the sends a second."""

    def __init__(
        self,
        account_sid: str,
        auth_token: str,
        *,
        api_base_url: str | None,
        timeout_s: float,
        max_concurrent: int = 100,
    ) -> None:
        self._http = AsyncTwilioHttpClient(timeout=timeout_s)
        self._client = Client(account_sid, auth_token, http_client=self._http)
        if api_base_url:
            self._client.api.base_url = api_base_url.rstrip("/")
        # Twilio refuses an account's requests beyond its concurrency limit (20429): this
        # process's share of it, so they wait here instead of being refused and retried.
        self._slots = asyncio.Semaphore(max_concurrent)

    async def send(self, *, to: str, from_: str, body: str, status_callback: str | None) -> str:
        """Create the message through Twilio's Messages API."""
        return await self._create(
            to=to, from_=from_, body=body, status_callback=status_callback or values.unset
        )

    async def send_template(
        self,
        *,
        to: str,
        from_: str,
        content_sid: str,
        variables: dict[str, str],
        status_callback: str | None,
    ) -> str:
        """Create the message from a template: `ContentSid` and `ContentVariables` (JSON)."""
        return await self._create(
            to=to,
            from_=from_,
            content_sid=content_sid,
            content_variables=json.dumps(variables),
            status_callback=status_callback or values.unset,
        )

    async def _create(self, **fields: Any) -> str:
        try:
            async with self._slots:
                message = await self._client.messages.create_async(**fields)
        except TwilioRestException as error:
            raise SendError(error.status, error.code, str(error.msg)) from error
        except aiohttp.ClientConnectorError as error:  # never reached Twilio: safe to retry
            raise SendError(0, None, f"connection failed: {error}") from error
        except (TimeoutError, aiohttp.ClientError) as error:  # the request may have arrived
            raise SendError(0, None, f"no answer: {error!r}", outcome_unknown=True) from error
        return str(message.sid)

    async def find_sent(
        self, *, to: str, from_: str, body: str | None, since: datetime
    ) -> str | None:
        """Look through the newest Messages to `to` from `from_` (Twilio lists newest first).

        Not filtered by DateSent: a message still queued has none yet, and must be found. With
        a body, a message created up to CLOCK_SKEW before `since` counts; without one (any
        message), only one created since: the customer's previous message went just before."""
        try:
            async with self._slots:
                recent = await self._client.messages.list_async(to=to, from_=from_, limit=50)
        except TwilioRestException as error:
            raise SendError(error.status, error.code, str(error.msg)) from error
        except (TimeoutError, aiohttp.ClientError) as error:
            raise SendError(0, None, f"cannot list messages: {error!r}") from error
        floor = since - CLOCK_SKEW if body is not None else since
        for message in recent:
            created = message.date_created
            if body in (None, message.body) and (created is None or created >= floor):
                return str(message.sid)
        return None

    async def messages_between(self, *, from_: str, to: str, limit: int) -> list[str]:
        """Twilio's Messages list, filtered by From and To (either direction of a chat)."""
        try:
            async with self._slots:
                found = await self._client.messages.list_async(from_=from_, to=to, limit=limit)
        except TwilioRestException as error:
            raise SendError(error.status, error.code, str(error.msg)) from error
        except (TimeoutError, aiohttp.ClientError) as error:
            raise SendError(0, None, f"cannot list messages: {error!r}") from error
        return [str(message.sid) for message in found]

    async def erase(self, message_sid: str) -> int:
        """Twilio's Media DELETE for each of the message's media, then its Message DELETE; a
        resource already gone (404) counts as deleted by someone else."""
        message = self._client.messages(message_sid)
        erased = 0
        try:
            async with self._slots:  # its requests one after another, in one slot
                for media in await message.media.list_async():
                    erased += await _deleted(message.media(str(media.sid)).delete_async())
                await _deleted(message.delete_async())
        except TwilioRestException as error:
            if error.status != 404:
                raise SendError(error.status, error.code, str(error.msg)) from error
        except (TimeoutError, aiohttp.ClientError) as error:
            raise SendError(0, None, f"cannot delete: {error!r}") from error
        return erased

    async def close(self) -> None:
        """Close the connection pool."""
        await self._http.close()


async def _deleted(deletion: Awaitable[bool]) -> int:
    """1 when the DELETE removed the resource, 0 when it was gone already."""
    try:
        return 1 if await deletion else 0
    except TwilioRestException as error:
        if error.status == 404:
            return 0
        raise


@dataclass
class RecordingSender:
    """In-memory sender for unit tests: records sends, fails with scripted errors first."""

    failures: list[SendError] = field(default_factory=list)
    sent: list[tuple[str, str, str, datetime]] = field(default_factory=list)
    attempts: int = 0
    received: dict[str, tuple[str, str]] = field(default_factory=dict)  # sid -> (from, to)
    erased: set[str] = field(default_factory=set)

    async def send(self, *, to: str, from_: str, body: str, status_callback: str | None) -> str:
        self.attempts += 1
        if self.failures:
            raise self.failures.pop(0)
        self.sent.append((to, from_, body, datetime.now(UTC)))
        return f"SM{len(self.sent):032d}"

    async def send_template(
        self,
        *,
        to: str,
        from_: str,
        content_sid: str,
        variables: dict[str, str],
        status_callback: str | None,
    ) -> str:
        body = f"{content_sid} {json.dumps(variables, sort_keys=True)}"
        return await self.send(to=to, from_=from_, body=body, status_callback=status_callback)

    async def find_sent(
        self, *, to: str, from_: str, body: str | None, since: datetime
    ) -> str | None:
        floor = since - CLOCK_SKEW if body is not None else since
        for index, (recipient, sender, text, at) in enumerate(self.sent, start=1):
            if (recipient, sender) == (to, from_) and body in (None, text) and at >= floor:
                return f"SM{index:032d}"
        return None

    async def messages_between(self, *, from_: str, to: str, limit: int) -> list[str]:
        sent = [
            f"SM{index:032d}"
            for index, (recipient, sender, _, _) in enumerate(self.sent, start=1)
            if (sender, recipient) == (from_, to)
        ]
        received = [sid for sid, pair in self.received.items() if pair == (from_, to)]
        return [sid for sid in sent + received if sid not in self.erased][:limit]

    async def erase(self, message_sid: str) -> int:
        self.erased.add(message_sid)
        return 0
