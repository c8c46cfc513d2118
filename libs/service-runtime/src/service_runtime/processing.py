"""Handling one record: continue its trace, decode it, retry the handler, dead-letter if need be.

Shared by the Kafka consumer loop and the in-process bus, so both treat events the same way.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from feedback_contracts import ContractError, Envelope, from_kafka, topics
from service_runtime.logs import correlation_id
from service_runtime.publishing import PublishError
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


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how patiently a failing handler is tried again."""

    max_attempts: int = 5
    backoff_s: float = 0.2
    max_backoff_s: float = 5.0


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

    async def process(self, record: Record) -> None:
        """Handle one record inside a span that continues the trace in its headers."""
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
                await self._with_retries(record, envelope)
            finally:
                correlation_id.reset(token)

    async def _with_retries(self, record: Record, envelope: Envelope) -> None:
        handler = self.handlers[record.topic]
        delay = self._retry.backoff_s
        for attempt in range(1, self._retry.max_attempts + 1):
            try:
                await handler(envelope)
                return
            except PermanentError as error:
                await self._dead_letter(record, error)
                return
            except Exception as error:
                if attempt == self._retry.max_attempts:
                    await self._dead_letter(record, error, attempts=attempt)
                    return
                log.warning("handler failed (%r), retrying", error, extra={"attempt": attempt})
                await asyncio.sleep(delay)
                delay = min(delay * 2, self._retry.max_backoff_s)

    async def _dead_letter(self, record: Record, error: BaseException, attempts: int = 1) -> None:
        reason = f"{type(error).__name__}: {error}"
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


def _dlq_headers(
    record: Record, error: BaseException, attempts: int, group: str
) -> list[tuple[str, bytes]]:
    values: dict[str, Any] = {
        "dlq_reason": f"{type(error).__name__}: {error}"[:2000],
        "dlq_error_type": type(error).__name__,
        "dlq_original_topic": record.topic,
        "dlq_original_partition": record.partition,
        "dlq_original_offset": record.offset,
        "dlq_attempts": attempts,
        "dlq_consumer_group": group,
        "dlq_failed_at": datetime.now(UTC).isoformat(),
    }
    return [(name, str(value).encode()) for name, value in values.items()]
