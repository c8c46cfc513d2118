"""A consumer group as the brokers see it: its state and its members."""

from __future__ import annotations

import asyncio
from typing import Any

from aiokafka.admin import AIOKafkaAdminClient


async def _describe(bootstrap: str, group: str) -> dict[str, Any]:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        (response,) = await admin.describe_consumer_groups([group])
    finally:
        await admin.close()
    described: dict[str, Any] = response.to_object()["groups"][0]
    return described


def group_state(bootstrap: str, group: str) -> tuple[str, int]:
    """The group's state ("Stable", "Empty", "PreparingRebalance"...) and how many members."""
    described = asyncio.run(_describe(bootstrap, group))
    return str(described["state"]), len(described["members"])
