"""What one attempt's answer means, and when to try again: 2xx delivered; a timeout, a
connection error, 5xx, 408 or 429 retried with backoff (honouring `Retry-After`) until the
delivery's window closes; anything else final. Pure: the worker and the tests share it."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime

from alerts.deliveries import Attempted


@dataclass(frozen=True)
class RetryPolicy:
    """Doubling waits from `base_s` up to `max_s`, each with ±20 % jitter."""

    base_s: float = 5.0
    max_s: float = 900.0

    def wait_s(self, attempts: int, retry_after_s: float | None, draw: float) -> float:
        """The wait after the `attempts`-th failed attempt; `draw` in [0, 1) is the jitter."""
        backoff = min(self.max_s, self.base_s * 2.0 ** max(attempts - 1, 0))
        backoff *= 0.8 + 0.4 * draw
        # The receiver said when: never sooner (past the window, the delivery gives up).
        return backoff if retry_after_s is None else max(retry_after_s, backoff)


@dataclass(frozen=True)
class Answer:
    """What came back from one attempt: a status and its Retry-After, or a transport error."""

    status: int | None = None
    retry_after: str | None = None
    error: str | None = None  # a timeout, a refused connection: never the URL


RETRIED = frozenset({408, 429})


def outcome(
    answer: Answer,
    *,
    attempts: int,
    now: datetime,
    retry_until: datetime,
    policy: RetryPolicy,
    draw: float | None = None,
) -> Attempted:
    """The delivery's state after this answer (`attempts` counts this one)."""
    status = answer.status
    if status is not None and 200 <= status < 300:
        return Attempted("delivered", status, None)
    error = answer.error or f"HTTP {status}"
    if status is not None and status < 500 and status not in RETRIED:
        return Attempted("failed", status, f"{error}: not retried")
    wait = policy.wait_s(
        attempts, retry_after_s(answer.retry_after, now), random.random() if draw is None else draw
    )
    next_at = now + timedelta(seconds=wait)
    if next_at > retry_until:
        return Attempted("failed", status, f"{error}: gave up after {attempts} attempts")
    return Attempted("pending", status, error, next_at)


def retry_after_s(value: str | None, now: datetime) -> float | None:
    """Retry-After as seconds: a number of seconds or an HTTP date (RFC 9110)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, (when - now).total_seconds())
