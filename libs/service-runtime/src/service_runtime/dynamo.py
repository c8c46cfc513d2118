"""DynamoDB helpers shared by the services that own tables: provisioning, batched puts and gets."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any, Generic, TypeVar

from botocore.exceptions import ClientError

from service_runtime.batching import Batcher

MAX_BATCH = 25  # items in one BatchWriteItem
MAX_GET_BATCH = 100  # keys in one BatchGetItem
Item = dict[str, Any]
Entry = TypeVar("Entry")
Answer = TypeVar("Answer")


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


class _Batched(Generic[Entry, Answer]):
    """DynamoDB calls for concurrent handlers made together, on one table (`Batcher`)."""

    def __init__(self, table: Any, *, key: Sequence[str], limit: int, max_attempts: int) -> None:
        self._table = table
        self._key = tuple(key)
        self._max_attempts = max_attempts
        self._batcher: Batcher[Entry, Answer] = Batcher(self._call, limit=limit)

    async def _submit(self, entries: list[Entry]) -> list[Answer]:
        """The entries' answers, in order; raises what their call raised."""
        return await self._batcher.submit(entries)

    def _call(self, entries: list[Entry]) -> list[Answer]:
        raise NotImplementedError

    def _key_of(self, item: Item) -> tuple[Any, ...]:
        return tuple(item[name] for name in self._key)

    def _until_processed(self, send: Callable[[list[Any]], list[Any]], requests: list[Any]) -> None:
        """`send` the requests, then what it returns as unprocessed (throttled), backing off."""
        delay = 0.05
        for _ in range(self._max_attempts):
            requests = send(requests)
            if not requests:
                return
            time.sleep(delay)
            delay = min(delay * 2, 1.0)
        raise RuntimeError(f"{len(requests)} requests left unprocessed in {self._table.name}")


class BatchedPuts(_Batched[Item, None]):
    """Unconditional puts into one table from concurrent handlers, written together.

    `put` returns once its items are stored (25 items a BatchWriteItem). A key put twice in one
    call is written once, the last."""

    def __init__(self, table: Any, *, key: Sequence[str], max_attempts: int = 8) -> None:
        super().__init__(table, key=key, limit=MAX_BATCH, max_attempts=max_attempts)

    async def put(self, items: Sequence[Item]) -> None:
        """Store the items; raises what the write raised (the caller's event is retried)."""
        await self._submit(list(items))

    def _call(self, entries: list[Item]) -> list[None]:
        unique = {self._key_of(item): item for item in entries}
        requests = [{"PutRequest": {"Item": item}} for item in unique.values()]
        client, name = self._table.meta.client, self._table.name

        def send(chunk: list[Any]) -> list[Any]:
            answer = client.batch_write_item(RequestItems={name: chunk})
            return list(answer.get("UnprocessedItems", {}).get(name, []))

        for start in range(0, len(requests), MAX_BATCH):
            self._until_processed(send, requests[start : start + MAX_BATCH])
        return [None] * len(entries)


class BatchedGets(_Batched[Item, Item | None]):
    """Strongly consistent gets by key from concurrent handlers, read together.

    `get` returns the item as stored at a moment after it was called (so a write finished before
    it is seen), or None; 100 keys a BatchGetItem, each key once."""

    def __init__(self, table: Any, *, key: Sequence[str], max_attempts: int = 8) -> None:
        super().__init__(table, key=key, limit=MAX_GET_BATCH, max_attempts=max_attempts)

    async def get(self, key: Item) -> Item | None:
        """The item with this key, or None; raises what the read raised."""
        (item,) = await self._submit([key])
        return item

    def _call(self, entries: list[Item]) -> list[Item | None]:
        keys = list({self._key_of(key): key for key in entries}.values())
        client, name = self._table.meta.client, self._table.name
        found: dict[tuple[Any, ...], Item] = {}

        def send(chunk: list[Any]) -> list[Any]:
            answer = client.batch_get_item(
                RequestItems={name: {"Keys": chunk, "ConsistentRead": True}}
            )
            found.update((self._key_of(i), i) for i in answer["Responses"].get(name, []))
            return list(answer.get("UnprocessedKeys", {}).get(name, {}).get("Keys", []))

        for start in range(0, len(keys), MAX_GET_BATCH):
            self._until_processed(send, keys[start : start + MAX_GET_BATCH])
        return [found.get(self._key_of(key)) for key in entries]
