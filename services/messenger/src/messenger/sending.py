"""Sending a WhatsApp message: the port, the Twilio SDK adapter and a recording fake."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Protocol

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

    async def find_sent(self, *, to: str, from_: str, body: str, since: datetime) -> str | None:
        """The SID of a message with this body sent to `to` since `since`, if Twilio has one."""
        ...


class TwilioMessageSender:
    """The official twilio SDK on its asyncio HTTP client (aiohttp), optionally pointed at
    another API base URL. Sends run concurrently on one connection pool: no worker threads, so
    Twilio's latency does not cap the sends a second."""

    def __init__(
        self, account_sid: str, auth_token: str, *, api_base_url: str | None, timeout_s: float
    ) -> None:
        self._http = AsyncTwilioHttpClient(timeout=timeout_s)
        self._client = Client(account_sid, auth_token, http_client=self._http)
        if api_base_url:
            self._client.api.base_url = api_base_url.rstrip("/")

    async def send(self, *, to: str, from_: str, body: str, status_callback: str | None) -> str:
        """Create the message through Twilio's Messages API."""
        try:
            message = await self._client.messages.create_async(
                to=to, from_=from_, body=body, status_callback=status_callback or values.unset
            )
        except TwilioRestException as error:
            raise SendError(error.status, error.code, str(error.msg)) from error
        except aiohttp.ClientConnectorError as error:  # never reached Twilio: safe to retry
            raise SendError(0, None, f"connection failed: {error}") from error
        except (TimeoutError, aiohttp.ClientError) as error:  # the request may have arrived
            raise SendError(0, None, f"no answer: {error!r}", outcome_unknown=True) from error
        return str(message.sid)

    async def find_sent(self, *, to: str, from_: str, body: str, since: datetime) -> str | None:
        """Look through the newest Messages to `to` from `from_` (Twilio lists newest first).

        Not filtered by DateSent: a message still queued has none yet, and must be found."""
        try:
            recent = await self._client.messages.list_async(to=to, from_=from_, limit=50)
        except TwilioRestException as error:
            raise SendError(error.status, error.code, str(error.msg)) from error
        except (TimeoutError, aiohttp.ClientError) as error:
            raise SendError(0, None, f"cannot list messages: {error!r}") from error
        for message in recent:
            created = message.date_created
            if message.body == body and (created is None or created >= since - CLOCK_SKEW):
                return str(message.sid)
        return None

    async def close(self) -> None:
        """Close the connection pool."""
        await self._http.close()


@dataclass
class RecordingSender:
    """In-memory sender for unit tests: records sends, fails with scripted errors first."""

    failures: list[SendError] = field(default_factory=list)
    sent: list[tuple[str, str, str, datetime]] = field(default_factory=list)
    attempts: int = 0

    async def send(self, *, to: str, from_: str, body: str, status_callback: str | None) -> str:
        self.attempts += 1
        if self.failures:
            raise self.failures.pop(0)
        self.sent.append((to, from_, body, datetime.now(UTC)))
        return f"SM{len(self.sent):032d}"

    async def find_sent(self, *, to: str, from_: str, body: str, since: datetime) -> str | None:
        for index, (recipient, sender, text, at) in enumerate(self.sent, start=1):
            if (recipient, sender, text) == (to, from_, body) and at >= since - CLOCK_SKEW:
                return f"SM{index:032d}"
        return None
