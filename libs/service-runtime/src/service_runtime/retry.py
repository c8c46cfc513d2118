"""How often and how patiently a failing handler is tried again."""

from __future__ import annotations

from dataclasses import dataclass

from service_runtime.failures import Classifier


@dataclass(frozen=True)
class RetryPolicy:
    """A permanent failure gets `max_attempts`, then the dead-letter topic. A transient one (a
    dependency away: see `failures.py`) is retried with capped backoff for as long as it lasts,
    up to `max_outage_wait_s`, far longer than any ordinary outage. `transient` adds a
    service's own "dependency away" errors to the shared ones."""

    max_attempts: int = 5
    backoff_s: float = 0.2
    max_backoff_s: float = 5.0
    max_outage_wait_s: float = 3600.0
    transient: tuple[Classifier, ...] = ()
