"""Topic provisioning: every event topic and its dead-letter topic."""

from __future__ import annotations

import argparse
import asyncio

from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from feedback_contracts import topics


async def ensure_topics(bootstrap_servers: str, *, partitions: int = 6, replicas: int = 1) -> None:
    """Create missing topics (idempotent); keeps existing ones as they are."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap_servers)
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        wanted = [name for base in topics.ALL for name in (base, topics.dead_letter(base))]
        missing = [
            NewTopic(name=name, num_partitions=partitions, replication_factor=replicas)
            for name in wanted
            if name not in existing
        ]
        if missing:
            await admin.create_topics(missing)
    finally:
        await admin.close()


def main() -> None:
    """`python -m service_runtime.admin --bootstrap host:port`."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--bootstrap", required=True)
    parser.add_argument("--partitions", type=int, default=6)
    parser.add_argument("--replicas", type=int, default=1)
    args = parser.parse_args()
    asyncio.run(ensure_topics(args.bootstrap, partitions=args.partitions, replicas=args.replicas))


if __name__ == "__main__":
    main()
