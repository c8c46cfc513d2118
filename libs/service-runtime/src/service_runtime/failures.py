"""Transient or permanent: whether a handler's failure is a dependency away or the event itself.

A store that refuses connections, times out, throttles or answers 5xx will answer again: the
record waits and is retried for as long as that lasts (bounded by configuration). Anything
else fails the same way every time, so a few attempts decide and the dead-letter topic takes it.
"""

from __future__ import annotations

from collections.abc import Callable

from botocore.exceptions import ClientError, ConnectionError, HTTPClientError

from service_runtime.publishing import PublishError

Classifier = Callable[[BaseException], bool]

THROTTLING_CODES = frozenset(
    {
        "ThrottlingException",
        "Throttling",
        "ProvisionedThroughputExceededException",
        "RequestLimitExceeded",
        "SlowDown",
        "ServiceUnavailable",
        "InternalServerError",
        "InternalError",
        "TransactionInProgressException",
    }
)


class TransientError(Exception):
    """Raised by a handler whose dependency is away (a 5xx, a refused connection): retry later."""


def _aws_transient(error: BaseException) -> bool:
    if isinstance(error, ConnectionError | HTTPClientError):  # refused, reset, timed out
        return True
    if isinstance(error, ClientError):
        code = error.response.get("Error", {}).get("Code", "")
        status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
        return code in THROTTLING_CODES or int(status or 0) >= 500
    return False


def is_transient(error: BaseException, *extra: Classifier) -> bool:
    """Whether the error, or one it was raised from (`raise ... from`), means a dependency is
    away. `extra` adds a service's own kinds (PostgreSQL's connection errors, say)."""
    seen: BaseException | None = error
    while seen is not None:
        if isinstance(seen, TransientError | PublishError | TimeoutError | OSError):
            return True
        if _aws_transient(seen) or any(check(seen) for check in extra):
            return True
        seen = seen.__cause__
    return False
