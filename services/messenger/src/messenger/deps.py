"""What the messenger's handlers are given: the adapters and the send policy."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

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
    status_callback: str | None = None
    max_attempts: int = 4
    backoff_s: float = 0.5
    max_backoff_s: float = 8.0
    # A claimed part Twilio does not have is sent again only after this: until then the
    # request that claimed it may still arrive (twice Twilio's request timeout).
    settle_after: timedelta = timedelta(seconds=20)


@dataclass(frozen=True)
class Messenger:
    """The adapters the handler needs, wired by the composition root."""

    sender: MessageSender
    ledger: SendLedger
    publisher: Publisher
    limiter: SendRateLimiter
    policy: SendPolicy
    consent: ConsentStore
