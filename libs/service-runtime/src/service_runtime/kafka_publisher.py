"""The Kafka adapter of the publisher port: idempotent, acks=all."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence

from aiokafka import AIOKafkaProducer
from aiokafka.errors import KafkaError, OutOfOrderSequenceNumber, ProducerFenced

from feedback_contracts import Envelope, to_kafka
from service_runtime.kafka_consumer import METADATA_MAX_AGE_MS
from service_runtime.publishing import PublishError
from service_runtime.tracing import inject_headers

log = logging.getLogger(__name__)

Headers = Sequence[tuple[str, bytes]]
_FATAL = (OutOfOrderSequenceNumber, ProducerFenced)


class KafkaPublisher:
    """An idempotent producer; `publish` returns only once every in-sync replica has the event."""

    def __init__(self, bootstrap_servers: str, *, client_id: str, timeout_s: float = 5.0) -> None:
        self._bootstrap = bootstrap_servers
        self._client_id = client_id
        self._timeout_s = timeout_s
        self._producer: AIOKafkaProducer | None = None
        self._lock = asyncio.Lock()

    async def start(self) -> None:
        """Connect now if the broker answers; otherwise the first publish connects."""
        try:
            async with self._lock:
                await self._connect()
        except PublishError as error:
            log.warning("kafka producer not connected yet: %s", error)

    async def stop(self) -> None:
        """Flush and close the producer."""
        if self._producer is not None:
            await self._producer.stop()

    async def publish(self, envelope: Envelope) -> None:
        """Publish one event with its CloudEvents and trace headers."""
        record = to_kafka(envelope)
        headers = [*record.headers, *inject_headers()]
        await self.publish_raw(record.topic, record.key, record.value, headers)

    async def publish_raw(
        self, topic: str, key: bytes | None, value: bytes | None, headers: Headers
    ) -> None:
        """Publish bytes as they are (the dead-letter path); raise `PublishError` if not acked."""
        producer = self._producer or await self._ready_producer()
        try:
            async with asyncio.timeout(self._timeout_s):
                await producer.send_and_wait(topic, value=value, key=key, headers=list(headers))
        except _FATAL as error:
            await self._recreate()
            raise PublishError(f"producer reset after {type(error).__name__}") from error
        except (KafkaError, TimeoutError, OSError) as error:
            raise PublishError(f"kafka did not acknowledge {topic}: {error!r}") from error

    async def ping(self) -> bool:
        """Whether the cluster answers a metadata request now."""
        try:
            producer = await self._ready_producer()
            await asyncio.wait_for(producer.client.fetch_all_metadata(), self._timeout_s)
        except (PublishError, KafkaError, TimeoutError, OSError):
            return False
        return True

    async def _ready_producer(self) -> AIOKafkaProducer:
        async with self._lock:
            return self._producer or await self._connect()

    async def _connect(self) -> AIOKafkaProducer:
        producer = AIOKafkaProducer(
            bootstrap_servers=self._bootstrap,
            client_id=self._client_id,
            enable_idempotence=True,
            acks="all",
            linger_ms=2,
            request_timeout_ms=int(self._timeout_s * 1000),
            metadata_max_age_ms=METADATA_MAX_AGE_MS,  # leaders move: see kafka_consumer
        )
        try:
            await asyncio.wait_for(producer.start(), self._timeout_s)
        except (KafkaError, TimeoutError, OSError) as error:
            await producer.stop()
            raise PublishError(f"kafka unreachable: {error!r}") from error
        self._producer = producer
        return producer

    async def _discard(self) -> None:
        producer, self._producer = self._producer, None
        if producer is not None:
            try:
                await producer.stop()
            except (KafkaError, OSError):
                log.exception("closing a failed producer")

    async def _recreate(self) -> None:
        async with self._lock:
            await self._discard()
