"""Topic provisioning: every event topic and its dead-letter topic.

Every topic carries customers' numbers (the record key) and most carry their words, so every
topic has a bounded retention (`--retention-days`, 7 by default): an erased customer's events
are gone from Kafka at most that long after the erasure.
"""

from __future__ import annotations

import argparse
import asyncio

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType

from feedback_contracts import topics

RETENTION_DAYS = 7
DAY_MS = 24 * 3600 * 1000


async def ensure_topics(
    bootstrap_servers: str,
    *,
    partitions: int = 6,
    replicas: int = 1,
    min_insync_replicas: int = 1,
    retention_days: float = RETENTION_DAYS,
) -> None:
    """Create missing topics with a bounded retention and the in-sync replicas a write needs
    (with `acks=all`), and set those on existing ones (idempotent)."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap_servers)
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        wanted = [name for base in topics.ALL for name in (base, topics.dead_letter(base))]
        retention = {
            "retention.ms": str(int(retention_days * DAY_MS)),
            "min.insync.replicas": str(min_insync_replicas),
        }
        missing = [
            NewTopic(
                name=name,
                num_partitions=partitions,
                replication_factor=replicas,
                topic_configs=retention,
            )
            for name in wanted
            if name not in existing
        ]
        if missing:
            await admin.create_topics(missing)
        present = [name for name in wanted if name in existing]
        if present:
            await admin.alter_configs(
                [ConfigResource(ConfigResourceType.TOPIC, name, retention) for name in present]
            )
    finally:
        await admin.close()


def main() -> None:
    """`python -m service_runtime.admin --bootstrap host:port`."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--bootstrap", required=True)
    parser.add_argument("--partitions", type=int, default=6)
    parser.add_argument("--replicas", type=int, default=1)
    parser.add_argument("--min-insync-replicas", type=int, default=1)
    parser.add_argument("--retention-days", type=float, default=RETENTION_DAYS)
    args = parser.parse_args()
    asyncio.run(
        ensure_topics(
            args.bootstrap,
            partitions=args.partitions,
            replicas=args.replicas,
            min_insync_replicas=args.min_insync_replicas,
            retention_days=args.retention_days,
        )
    )


if __name__ == "__main__":
    main()
