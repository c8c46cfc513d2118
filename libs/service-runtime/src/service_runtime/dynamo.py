"""DynamoDB helpers shared by the services that own tables: provisioning, batched puts."""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Sequence
from typing import Any

from botocore.exceptions import ClientError

MAX_BATCH = 25  # items in one BatchWriteItem
Waiting = tuple[list[dict[str, Any]], "asyncio.Future[None]"]  # a caller's items, its answer


def ensure_table(
    client: Any,
    *,
    name: str,
    hash_key: str,
    range_key: str | None = None,
    ttl_attribute: str | None = None,
    indexes: list[dict[str, Any]] | None = None,
    extra_attributes: dict[str, str] | None = None,
) -> None:
    """Create an on-demand table with string keys unless it exists; enable TTL if asked."""
    keys = [{"AttributeName": hash_key, "KeyType": "HASH"}]
    attributes = {hash_key: "S", **(extra_attributes or {})}
    if range_key:
        keys.append({"AttributeName": range_key, "KeyType": "RANGE"})
        attributes.setdefault(range_key, "S")
    arguments: dict[str, Any] = {
        "TableName": name,
        "KeySchema": keys,
        "AttributeDefinitions": [
            {"AttributeName": k, "AttributeType": t} for k, t in attributes.items()
        ],
        "BillingMode": "PAY_PER_REQUEST",
    }
    if indexes:
        arguments["GlobalSecondaryIndexes"] = indexes
    try:
        client.create_table(**arguments)
    except ClientError as error:
        if error.response["Error"]["Code"] != "ResourceInUseException":
            raise
        return
    client.get_waiter("table_exists").wait(TableName=name)
    if ttl_attribute:
        client.update_time_to_live(
            TableName=name,
            TimeToLiveSpecification={"Enabled": True, "AttributeName": ttl_attribute},
        )


class BatchedPuts:
    """Unconditional puts into one table from concurrent handlers, written together.

    `put` returns once its items are stored. While one BatchWriteItem is under way, newly put
    items wait and go into the next (25 items a call at most): when idle a call carries one
    handler's items, under load many handlers'. A call's fixed cost was most of what the
    handlers spent on these writes. A key put twice in one call is written once, the last."""

    def __init__(self, table: Any, *, key: Sequence[str], max_attempts: int = 8) -> None:
        self._table = table
        self._key = tuple(key)
        self._max_attempts = max_attempts
        self._waiting: deque[Waiting] = deque()
        self._writer: asyncio.Task[None] | None = None

    async def put(self, items: Sequence[dict[str, Any]]) -> None:
        """Store the items; raises what the write raised (the caller's event is retried)."""
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiting.append((list(items), done))
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write_waiting())
        await done

    async def _write_waiting(self) -> None:
        while self._waiting:
            batch = self._take()
            try:
                await asyncio.to_thread(self._write, [i for items, _ in batch for i in items])
            except Exception as error:
                for _, done in batch:
                    if not done.done():
                        done.set_exception(error)
            else:
                for _, done in batch:
                    if not done.done():
                        done.set_result(None)

    def _take(self) -> list[Waiting]:
        batch: list[Waiting] = []
        size = 0
        while self._waiting and (not batch or size + len(self._waiting[0][0]) <= MAX_BATCH):
            entry = self._waiting.popleft()
            batch.append(entry)
            size += len(entry[0])
        return batch

    def _write(self, items: list[dict[str, Any]]) -> None:
        unique = {tuple(item[name] for name in self._key): item for item in items}
        requests = [{"PutRequest": {"Item": item}} for item in unique.values()]
        for start in range(0, len(requests), MAX_BATCH):
            self._write_all(requests[start : start + MAX_BATCH])

    def _write_all(self, requests: list[dict[str, Any]]) -> None:
        client, name, delay = self._table.meta.client, self._table.name, 0.05
        for _ in range(self._max_attempts):
            answer = client.batch_write_item(RequestItems={name: requests})
            requests = answer.get("UnprocessedItems", {}).get(name, [])
            if not requests:
                return
            time.sleep(delay)  # throttled: back off before the unprocessed rest
            delay = min(delay * 2, 1.0)
        raise RuntimeError(f"{len(requests)} items left unprocessed in {name}")
