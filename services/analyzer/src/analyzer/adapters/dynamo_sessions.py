"""Sessions and chats in DynamoDB: two writes a turn, no scans, no transactions.

`sessions`: one item per session, key (sender_id, seq); the newest is one descending Query. A turn
is committed by a single conditional put (version guard) that also carries the turn's outcome,
the customer's recent MessageSids (deduplication) and the recent turns the LLM sees, kept as one
JSON string: they are opaque context, never queried, and as nested maps they doubled the cost
of every session write (serializing them client-side, parsing them in the store).
`chats`: the full conversation log, key (session_id, sort_key = time#message_sid), written before
the session, in batches shared with concurrent turns; the keys are stable, so a retried turn
overwrites, never adds.
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from typing import Any

from boto3.dynamodb.conditions import Key
from botocore.exceptions import ClientError

from analyzer.adapters.session_items import chat_item, session_from, session_item
from analyzer.sessions import Chat, Session, StaleSession
from service_runtime.dynamo import BatchedPuts


class DynamoSessionStore:
    """The `SessionStore` port on two DynamoDB tables."""

    def __init__(
        self,
        dynamodb: Any,
        *,
        sessions_table: str,
        chats_table: str,
        retention: timedelta = timedelta(days=90),
    ) -> None:
        self._sessions = dynamodb.Table(sessions_table)
        self._chat_table = dynamodb.Table(chats_table)
        self._chats = BatchedPuts(self._chat_table, key=("session_id", "sort_key"))
        self._retention = retention  # DynamoDB's TTL deletes items this long after their time

    async def latest_session(self, sender_id: str) -> Session | None:
        """The customer's newest session: one Query, newest first."""
        found = await asyncio.to_thread(
            self._sessions.query,
            KeyConditionExpression=Key("sender_id").eq(sender_id),
            ScanIndexForward=False,
            Limit=1,
            ConsistentRead=True,
        )
        items = found.get("Items", [])
        return session_from(items[0]) if items else None

    async def commit_turn(self, *, session: Session, chats: list[Chat]) -> None:
        """Log the chats, then put the session if nobody moved it on meanwhile."""
        if chats:
            items = [{**chat_item(c), **self._expiry(c.received_at)} for c in chats]
            await self._chats.put(items)
        item = {**session_item(session), **self._expiry(session.last_message_at)}
        arguments: dict[str, Any] = {"Item": item}
        if session.version == 1:
            arguments["ConditionExpression"] = "attribute_not_exists(seq)"
        else:
            arguments["ConditionExpression"] = "#v = :previous"
            arguments["ExpressionAttributeNames"] = {"#v": "version"}
            arguments["ExpressionAttributeValues"] = {":previous": session.version - 1}
        try:
            await asyncio.to_thread(self._sessions.put_item, **arguments)
        except ClientError as error:
            if error.response["Error"]["Code"] == "ConditionalCheckFailedException":
                raise StaleSession(session.session_id) from error
            raise

    async def erase(self, sender_id: str) -> dict[str, int]:
        """Every session of the customer, and each session's chats: Queries by key, deletes in
        batches. Chats go first, so a crash midway leaves the sessions that find them again."""
        return await asyncio.to_thread(self._erase, sender_id)

    def _erase(self, sender_id: str) -> dict[str, int]:
        sessions = _all_keys(
            self._sessions, Key("sender_id").eq(sender_id), "sender_id, seq, session_id"
        )
        chats = 0
        for session in sessions:
            keys = _all_keys(
                self._chat_table,
                Key("session_id").eq(session["session_id"]),
                "session_id, sort_key",
            )
            _delete_all(self._chat_table, keys)
            chats += len(keys)
        _delete_all(
            self._sessions, [{"sender_id": s["sender_id"], "seq": s["seq"]} for s in sessions]
        )
        return {"sessions": len(sessions), "chats": chats}

    def _expiry(self, moment: datetime) -> dict[str, int]:
        return {"expires_at": int((moment + self._retention).timestamp())}


def _all_keys(table: Any, condition: Any, projection: str) -> list[dict[str, Any]]:
    """Every item a key condition selects, page by page, with the projected attributes."""
    items: list[dict[str, Any]] = []
    arguments: dict[str, Any] = {
        "KeyConditionExpression": condition,
        "ProjectionExpression": projection,
        "ConsistentRead": True,
    }
    while True:
        page = table.query(**arguments)
        items += page.get("Items", [])
        if "LastEvaluatedKey" not in page:
            return items
        arguments["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def _delete_all(table: Any, keys: list[dict[str, Any]]) -> None:
    with table.batch_writer() as batch:  # 25 a request, unprocessed items retried
        for key in keys:
            batch.delete_item(Key=key)
