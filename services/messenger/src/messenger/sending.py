"""Sending a WhatsApp message: the port (Twilio in `adapters/twilio_sender`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

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
