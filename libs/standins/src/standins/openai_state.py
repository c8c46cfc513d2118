"""What the OpenAI stand-in holds: the answers scripted, failures, stalls, latency and requests."""

from __future__ import annotations

import json
import math
import random
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from statistics import NormalDist
from typing import Any

from standins.faults import Faults


@dataclass(frozen=True)
class Answer:
    """Reply with this message content (valid JSON or not)."""

    content: str


@dataclass(frozen=True)
class Failure:
    """Reply with an HTTP error, optionally with a Retry-After header."""

    status: int
    retry_after_s: float | None = None
    message: str = "scripted failure"
    code: str | None = None  # the error's code, as "insufficient_quota" for a 429 out of credit


@dataclass(frozen=True)
class Stall:
    """Answer only after this long (longer than the client's timeout, for a timeout)."""

    seconds: float


Step = Answer | Failure | Stall  # what the stand-in does with one request
Responder = Callable[[dict[str, Any]], str]  # a request's body to the answer's content


@dataclass(frozen=True)
class Latency:
    """How long a real model takes to answer: lognormal around `median_s` (sigma 0 is fixed).

    Model latency is right-skewed (a long tail of slow answers), which a lognormal captures:
    median 1.5 s with sigma 0.6 gives a mean of ~1.8 s and a p99 of ~6 s."""

    median_s: float = 0.0
    sigma: float = 0.0

    def sample(self, draw: random.Random) -> float:
        """One delay in seconds."""
        if self.median_s <= 0 or self.sigma <= 0:
            return max(self.median_s, 0.0)
        return draw.lognormvariate(math.log(self.median_s), self.sigma)

    def quantile(self, share: float) -> float:
        """The delay this share of answers stays within (the median at 0.5), in seconds."""
        if self.median_s <= 0 or self.sigma <= 0:
            return max(self.median_s, 0.0)
        return self.median_s * math.exp(self.sigma * NormalDist().inv_cdf(share))


@dataclass
class OpenAIState:
    """Scripted steps, served in order; then `default` answers; every request is recorded,
    unless `recorded` is off (the stand-in's own process, where nothing reads them: a long run
    would hold every body, and its garbage collector would walk them all)."""

    script: list[Step] = field(default_factory=list)
    default: Responder | None = None
    supports_json_schema: bool = True
    latency: Latency = Latency()
    faults: Faults = field(default_factory=Faults)  # server errors and the rate limit
    draw: random.Random = field(default_factory=random.Random)
    requests: list[tuple[float, dict[str, Any]]] = field(default_factory=list)
    recorded: bool = True
    lock: threading.Lock = field(default_factory=threading.Lock)
    in_flight: int = 0  # requests being answered now
    peak_in_flight: int = 0  # the most ever answered at once: how concurrent a client is

    def then(self, *steps: Step) -> None:
        """Append steps to the script."""
        with self.lock:
            self.script.extend(steps)

    def answer_json(self, **verdict: Any) -> None:
        """Append an answer whose content is this JSON object."""
        self.then(Answer(json.dumps(verdict)))
