"""What a busy SaaS API does to its clients now and then, for the stand-ins: it fails a share of
requests with a server error, and turns away requests over its rate or concurrency limit."""

from __future__ import annotations

import random
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Refusal:
    """Why a request was turned away, and how long to wait before trying again."""

    reason: str  # "rate" or "concurrency"
    retry_after_s: float


@dataclass
class Faults:
    """A stand-in's faults: `error_rate` of the requests it admits fail with a server error;
    over `per_minute` requests a minute (OpenAI's RPM) or `max_concurrent` at once (Twilio's
    concurrency limit) it refuses with a 429. Zero turns each off.

    The per-minute limit is metered continuously with at most a second's worth in hand, as
    OpenAI enforces it ("60 RPM may be enforced as 1 request per second"): a burst above the
    rate is refused even when the minute's total is below the limit."""

    error_rate: float = 0.0
    per_minute: float = 0.0
    max_concurrent: int = 0
    draw: random.Random = field(default_factory=random.Random)
    clock: Callable[[], float] = time.monotonic
    outcomes: Counter[str] = field(default_factory=Counter)  # what each request got
    _in_flight: int = field(default=0, init=False, repr=False)
    _tokens: float | None = field(default=None, init=False, repr=False)
    _refilled_at: float = field(default=0.0, init=False, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    def admit(self) -> Refusal | None:
        """Take a request in (None), or the refusal to answer it with. An admitted request
        is `release`d when answered."""
        with self._lock:
            if self.max_concurrent and self._in_flight >= self.max_concurrent:
                self.outcomes["refused_concurrency"] += 1
                return Refusal("concurrency", 1.0)
            if self.per_minute > 0:
                wait = self._take_token()
                if wait > 0:
                    self.outcomes["refused_rate"] += 1
                    return Refusal("rate", wait)
            self._in_flight += 1
            return None

    def release(self) -> None:
        """An admitted request was answered."""
        with self._lock:
            self._in_flight -= 1

    def fails(self) -> bool:
        """Whether this admitted request gets a server error; counts the outcome."""
        with self._lock:
            failed = self.draw.random() < self.error_rate
            self.outcomes["server_error" if failed else "answered"] += 1
            return failed

    def _take_token(self) -> float:
        per_second = self.per_minute / 60
        capacity = max(per_second, 1.0)
        now = self.clock()
        if self._tokens is None:
            self._tokens = capacity
        else:
            self._tokens = min(capacity, self._tokens + (now - self._refilled_at) * per_second)
        self._refilled_at = now
        if self._tokens >= 1:
            self._tokens -= 1
            return 0.0
        return (1 - self._tokens) / per_second
