"""What the messenger's handlers are given: the adapters and the send policy."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlencode, urlsplit

from feedback_contracts import (
    ReplyRequested,
    TemplateRequested,
)
from messenger.ledger import SendLedger
from messenger.ratelimit import SendRateLimiter
from messenger.sending import MessageSender
from service_runtime.consent import ConsentStore
from service_runtime.publishing import Publisher

Request = ReplyRequested | TemplateRequested  # what the messenger is asked to send


@dataclass(frozen=True)
class SendPolicy:
    """Where replies come from and how hard to try."""

    from_number: str
    status_callback: str | None = None  # Twilio's status callbacks; each names its reply
    max_attempts: int = 4
    backoff_s: float = 0.5
    max_backoff_s: float = 8.0
    # A claimed part Twilio does not have is sent again only after this: until then the
    # request that claimed it may still arrive (twice Twilio's request timeout).
    settle_after: timedelta = timedelta(seconds=20)


def callback_for(status_callback: str | None, reply_id: str) -> str | None:
    """The status callback URL with the reply it reports on: `...?reply_id=SM1%3Areply`."""
    if status_callback is None:
        return None
    joiner = "&" if urlsplit(status_callback).query else "?"
    return f"{status_callback}{joiner}{urlencode({'reply_id': reply_id})}"


@dataclass(frozen=True)
class Messenger:
    """The adapters the handler needs, wired by the composition root."""

    sender: MessageSender
    ledger: SendLedger
    publisher: Publisher
    limiter: SendRateLimiter
    policy: SendPolicy
    consent: ConsentStore
