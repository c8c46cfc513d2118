"""Sending a WhatsApp message: the port, the Twilio SDK adapter and a recording fake."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Protocol

import requests
from twilio.base import values
from twilio.base.exceptions import TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

RETRYABLE_CODES = frozenset({20429, 20500, 20503, 63018})
PERMANENT_CODES = frozenset({63016, 21610, 21211, 21614, 63024, 63003, 21408, 21606, 63007})


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
    """Sends one message and returns the provider's message id."""

    async def send(self, *, to: str, from_: str, body: str, status_callback: str | None) -> str: ...


class TwilioMessageSender:
    """The official twilio SDK, optionally pointed at another API base URL."""

    def __init__(
        self, account_sid: str, auth_token: str, *, api_base_url: str | None, timeout_s: float
    ) -> None:
        self._client = Client(
            account_sid, auth_token, http_client=TwilioHttpClient(timeout=timeout_s)
        )
        if api_base_url:
            self._client.api.base_url = api_base_url.rstrip("/")

    async def send(self, *, to: str, from_: str, body: str, status_callback: str | None) -> str:
        """Create the message through Twilio's Messages API (run in a worker thread)."""

        def create() -> str:
            message = self._client.messages.create(
                to=to, from_=from_, body=body, status_callback=status_callback or values.unset
            )
            return str(message.sid)

        try:
            return await asyncio.to_thread(create)
        except TwilioRestException as error:
            raise SendError(error.status, error.code, str(error.msg)) from error
        except requests.Timeout as error:
            raise SendError(0, None, f"timeout: {error}", outcome_unknown=True) from error
        except requests.ConnectionError as error:
            raise SendError(0, None, f"connection failed: {error}") from error


@dataclass
class RecordingSender:
    """In-memory sender for unit tests: records sends, fails with scripted errors first."""

    failures: list[SendError] = field(default_factory=list)
    sent: list[tuple[str, str, str]] = field(default_factory=list)
    attempts: int = 0

    async def send(self, *, to: str, from_: str, body: str, status_callback: str | None) -> str:
        self.attempts += 1
        if self.failures:
            raise self.failures.pop(0)
        self.sent.append((to, from_, body))
        return f"SM{len(self.sent):032d}"
