"""Handling one record: continue its trace, decode it, retry the handler, dead-letter if need be.

Shared by the Kafka consumer loop and the in-process bus, so both treat events the same way.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, Protocol

from feedback_contracts import ContractError, Envelope, from_kafka, topics
from service_runtime.failures import is_transient
from service_runtime.logs import correlation_id
from service_runtime.publishing import PublishError
from service_runtime.retry import RetryPolicy
from service_runtime.tracing import continued_from

log = logging.getLogger(__name__)

Handler = Callable[[Envelope], Awaitable[None]]


class PermanentError(Exception):
    """The handler can never succeed on this event: dead-letter it without retrying."""


class Record(Protocol):
    """The fields of a Kafka record (aiokafka's `ConsumerRecord`) that processing uses."""

    @property
    def topic(self) -> str: ...

    @property
    def partition(self) -> int: ...

    @property
    def offset(self) -> int: ...

    @property
    def key(self) -> bytes | None: ...

    @property
    def value(self) -> bytes | None: ...

    @property
    def headers(self) -> Sequence[tuple[str, bytes]]: ...


class RawPublisher(Protocol):
    """Where dead letters go: bytes and headers as they are."""

    async def publish_raw(
        self,
        topic: str,
        key: bytes | None,
        value: bytes | None,
        headers: Sequence[tuple[str, bytes]],
    ) -> None: ...


class RecordProcessor:
    """Runs the handler of a record's topic once it succeeds, or dead-letters the record."""

    def __init__(
        self,
        handlers: Mapping[str, Handler],
        *,
        dead_letters: RawPublisher,
        group: str,
        retry: RetryPolicy,
    ) -> None:
        self.handlers = dict(handlers)
        self._dead_letters = dead_letters
        self._group = group
        self._retry = retry
        self._waiting: dict[int, str] = {}  # records retrying a transient error: what it was

    @property
    def unavailable(self) -> str | None:
        """The error a record is waiting out (a dependency away), or None."""
        return next(iter(self._waiting.values()), None)

    async def process(self, record: Record, on_attempt: Callable[[], None] = lambda: None) -> None:
        """Handle one record inside a span that continues the trace in its headers;
        `on_attempt` is called before each attempt."""
        headers = list(record.headers)
        with continued_from(headers, f"{record.topic} process") as span:
            span.set_attribute("messaging.kafka.offset", record.offset)
            try:
                envelope = from_kafka(record.value, headers)
            except ContractError as error:
                await self._dead_letter(record, error)
                return
            span.set_attribute("messaging.message.id", envelope.id)
            span.set_attribute("feedback.correlation_id", envelope.correlation_id)
            token = correlation_id.set(envelope.correlation_id)
            try:
                await self._with_retries(record, envelope, on_attempt)
            finally:
                correlation_id.reset(token)
                self._waiting.pop(id(record), None)

    async def _with_retries(
        self, record: Record, envelope: Envelope, on_attempt: Callable[[], None]
    ) -> None:
        handler, retry = self.handlers[record.topic], self._retry
        failures, attempts, delay = 0, 0, retry.backoff_s
        waiting_since = time.monotonic()
        while True:
            on_attempt()
            attempts += 1
            try:
                await handler(envelope)
                return
            except PermanentError as error:
                await self._dead_letter(record, error)
                return
            except Exception as error:
                transient = is_transient(error, *retry.transient)
                failures += not transient
                if not self._may_retry(record, error, transient, waiting_since, failures):
                    await self._dead_letter(record, error, attempts=attempts)
                    return
            await asyncio.sleep(delay)
            delay = min(delay * 2, retry.max_backoff_s)

    def _may_retry(
        self, record: Record, error: Exception, transient: bool, since: float, failures: int
    ) -> bool:
        """Transient errors wait the dependency out, up to `max_outage_wait_s`; the rest
        get `max_attempts`."""
        kind = type(error).__name__
        if transient:
            self._waiting[id(record)] = kind
            log.warning("dependency unavailable (%s); the record waits", kind)
            return time.monotonic() - since < self._retry.max_outage_wait_s
        self._waiting.pop(id(record), None)
        log.warning("handler failed (%s), retrying", kind, extra={"failures": failures})
        return failures < self._retry.max_attempts

    async def _dead_letter(self, record: Record, error: BaseException, attempts: int = 1) -> None:
        reason = describe(error)
        log.error("dead-lettering event", extra={"topic": record.topic, "reason": reason})
        headers = [*record.headers, *_dlq_headers(record, error, attempts, self._group)]
        delay = self._retry.backoff_s
        while True:  # an event that cannot even be dead-lettered must not be committed
            try:
                await self._dead_letters.publish_raw(
                    topics.dead_letter(record.topic), record.key, record.value, headers
                )
                return
            except PublishError:
                log.exception("dead-letter publish failed, retrying")
                await asyncio.sleep(delay)
                delay = min(delay * 2, self._retry.max_backoff_s)


def describe(error: BaseException) -> str:
    """What went wrong, without the customer's data: the error's type, and the message only of
    the errors this code words itself (contract problems name fields, never values)."""
    if isinstance(error, ContractError | PermanentError):
        return f"{type(error).__name__}: {error}"
    return type(error).__name__


def _dlq_headers(
    record: Record, error: BaseException, attempts: int, group: str
) -> list[tuple[str, bytes]]:
    values: dict[str, Any] = {
        "dlq_reason": describe(error)[:2000],
        "dlq_error_type": type(error).__name__,
        "dlq_original_topic": record.topic,
        "dlq_original_partition": record.partition,
        "dlq_original_offset": record.offset,
        "dlq_attempts": attempts,
        "dlq_consumer_group": group,
        "dlq_failed_at": datetime.now(UTC).isoformat(),
    }
    return [(name, str(value).encode()) for name, value in values.items()]
