"""The part of aiokafka's consumer the consumer loop uses, and the real one."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from typing import Protocol

from aiokafka import AIOKafkaConsumer, ConsumerRebalanceListener, TopicPartition
from aiokafka.structs import OffsetAndMetadata

from service_runtime.consumer_config import ConsumerConfig
from service_runtime.processing import Record


class KafkaConsumer(Protocol):
    """What the loop asks of a consumer (an in-memory one implements it in unit tests)."""

    def subscribe(self, topics: list[str], listener: ConsumerRebalanceListener) -> None: ...

    async def start(self) -> None: ...

    async def stop(self) -> None: ...

    async def getmany(
        self, timeout_ms: int = 0, max_records: int | None = None
    ) -> Mapping[TopicPartition, list[Record]]: ...

    async def commit(self, offsets: Mapping[TopicPartition, OffsetAndMetadata]) -> None: ...

    def assignment(self) -> set[TopicPartition]: ...

    def paused(self) -> set[TopicPartition]: ...

    def partitions_for_topic(self, topic: str) -> set[int] | None: ...

    def pause(self, *partitions: TopicPartition) -> None: ...

    def resume(self, *partitions: TopicPartition) -> None: ...


# How old the consumer's view of partition leaders may get (aiokafka's default: 5 min). When
# a partition's leader moves and the consumer must look up its starting offset, aiokafka retries
# that lookup on the old leader without refreshing its metadata, and fetches nothing until it
# does: in `make bench-faults`, after leaderships moved, a consumer given new partitions in a
# rebalance answered nothing for 130 s (replies' p50 101 s). Refreshed every 30 s, the stall is
# bounded by that, for one small Metadata request a client every 30 s.
METADATA_MAX_AGE_MS = 30_000


def aiokafka_consumer(config: ConsumerConfig) -> KafkaConsumer:
    """The real consumer: manual commits, a rebalance timeout that leaves room for the
    revocation's wait for in-flight handlers, and leaders looked up again every 30 s."""
    consumer: KafkaConsumer = AIOKafkaConsumer(
        bootstrap_servers=config.bootstrap_servers,
        group_id=config.group_id,
        client_id=config.client_id,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        max_poll_interval_ms=int(config.max_poll_interval_s * 1000),
        rebalance_timeout_ms=int((config.revoke_timeout_s + 20) * 1000),
        metadata_max_age_ms=METADATA_MAX_AGE_MS,
    )
    return consumer


def topic_shares(
    consumer: KafkaConsumer, topics: Iterable[str], partitions: Collection[TopicPartition]
) -> dict[str, float]:
    """The share of each topic's partitions that `partitions` are."""
    shares = {}
    for topic in topics:
        total = len(consumer.partitions_for_topic(topic) or ())
        owned = sum(1 for tp in partitions if tp.topic == topic)
        shares[topic] = owned / total if total else 1.0
    return shares
