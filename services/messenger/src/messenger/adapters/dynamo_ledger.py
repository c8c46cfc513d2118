"""The send ledger on DynamoDB: one item per message part, claimed with a conditional put."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime
from typing import Any

from botocore.exceptions import ClientError

from messenger.ledger import RETENTION_S, Claim, State
from service_runtime.dynamo import BatchedPuts


class DynamoSendLedger:
    """Ledger in a DynamoDB table (hash key `part_key`, TTL attribute `expires_at`)."""

    def __init__(self, table: Any) -> None:
        self._table = table
        self._marks = BatchedPuts(table, key=("part_key",))

    async def claim(self, key: str) -> Claim:
        """Conditionally create the record; if it exists, report what it says."""
        try:
            await asyncio.to_thread(
                self._table.put_item,
                Item=_record(key, "sending"),
                ConditionExpression="attribute_not_exists(part_key)",
            )
            return Claim("new")
        except ClientError as error:
            if error.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise
        found = await asyncio.to_thread(
            self._table.get_item, Key={"part_key": key}, ConsistentRead=True
        )
        existing = found.get("Item", {})
        claimed = datetime.fromtimestamp(int(existing.get("updated_at", 0)), UTC)
        return Claim(existing.get("state", "sending"), existing.get("twilio_sid"), claimed)

    async def reclaim(self, key: str) -> None:
        """Refresh the claim's time (only while it is still `sending`)."""
        await asyncio.to_thread(
            self._table.put_item,
            Item=_record(key, "sending"),
            ConditionExpression="#s = :sending",
            ExpressionAttributeNames={"#s": "state"},
            ExpressionAttributeValues={":sending": "sending"},
        )

    async def mark_sent(self, key: str, twilio_sid: str) -> None:
        """Record Twilio's id for a part that went out.

        A whole-item put, not an update: the claim is ours, an update expression cost the store
        twice the CPU of a put, and puts from concurrent sends share a batch."""
        await self._marks.put([_record(key, "sent", twilio_sid=twilio_sid)])

    async def release(self, key: str) -> None:
        """Forget a claim whose send certainly failed, so a retry may send it."""
        await asyncio.to_thread(self._table.delete_item, Key={"part_key": key})

    async def forget(self, reply_id: str) -> int:
        """Parts are numbered from 0 without gaps: delete until one is missing."""
        part = 0
        while True:
            old = await asyncio.to_thread(
                self._table.delete_item,
                Key={"part_key": f"{reply_id}#{part}"},
                ReturnValues="ALL_OLD",
            )
            if not old.get("Attributes"):
                return part
            part += 1


def _record(key: str, state: State, **fields: str) -> dict[str, Any]:
    now = int(time.time())
    return {
        "part_key": key,
        "state": state,
        "updated_at": now,
        "expires_at": now + RETENTION_S,
        **fields,
    }
