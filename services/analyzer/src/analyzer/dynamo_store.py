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
import json
from datetime import datetime, timedelta
from typing import Any

from boto3.dynamodb.conditions import Key
from botocore.exceptions import ClientError

from analyzer.sessions import Chat, MediaRef, Outcome, Session, StaleSession
from analyzer.verdict import Turn, Usage
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
            items = [{**_chat_item(c), **self._expiry(c.received_at)} for c in chats]
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


def _compact(item: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in item.items() if value is not None}


def _media_item(media: MediaRef) -> dict[str, str]:
    return {
        "message_sid": media.message_sid,
        "media_sid": media.media_sid,
        "url": media.url,
        "content_type": media.content_type,
    }


def _media(items: list[dict[str, Any]]) -> tuple[MediaRef, ...]:
    return tuple(MediaRef(**{key: str(value) for key, value in item.items()}) for item in items)


def _time(value: Any) -> datetime | None:
    return datetime.fromisoformat(str(value)) if value else None


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _outcome_item(outcome: Outcome | None) -> dict[str, Any] | None:
    if outcome is None:
        return None
    return {
        "reply_id": outcome.reply_id,
        "reply": outcome.reply,
        "session_id": outcome.session_id,
        "feedback_completed": outcome.feedback_completed,
    }


def _outcome(item: dict[str, Any] | None) -> Outcome | None:
    if not item:
        return None
    return Outcome(
        reply_id=item["reply_id"],
        reply=item["reply"],
        session_id=item["session_id"],
        feedback_completed=bool(item["feedback_completed"]),
    )


def session_item(session: Session) -> dict[str, Any]:
    """The DynamoDB item of a session."""
    return _compact(
        {
            "sender_id": session.sender_id,
            "seq": session.seq,
            "session_id": session.session_id,
            "status": session.status,
            "version": session.version,
            "created_at": session.created_at.isoformat(),
            "last_message_at": session.last_message_at.isoformat(),
            "step": session.step,
            "limited_until": session.limited_until.isoformat() if session.limited_until else None,
            "product_name": session.product_name,
            "feedback": session.feedback,
            "media": [_media_item(media) for media in session.media],
            "recent_turns": json.dumps(
                [
                    {"role": t.role, "text": t.text, "media_urls": list(t.media_urls)}
                    for t in session.recent_turns
                ]
            ),
            "recent_sids": list(session.recent_sids),
            "last_message_sid": session.last_message_sid,
            "last_envelope_id": session.last_envelope_id,
            "last_outcome": _outcome_item(session.last_outcome),
            "input_tokens": session.usage.input_tokens,
            "output_tokens": session.usage.output_tokens,
            "irrelevant_streak": session.irrelevant_streak,
            "request_id": session.request_id,
            "awaiting_answer_until": _iso(session.awaiting_answer_until),
        }
    )


def session_from(item: dict[str, Any]) -> Session:
    """A session from its DynamoDB item."""
    return Session(
        sender_id=item["sender_id"],
        seq=int(item["seq"]),
        session_id=item["session_id"],
        status=item["status"],
        version=int(item["version"]),
        created_at=datetime.fromisoformat(item["created_at"]),
        last_message_at=datetime.fromisoformat(item["last_message_at"]),
        step=item.get("step", "ask_product"),
        limited_until=_time(item.get("limited_until")),
        product_name=item.get("product_name"),
        feedback=item.get("feedback"),
        media=_media(item.get("media", [])),
        recent_turns=_turns(item.get("recent_turns")),
        recent_sids=tuple(item.get("recent_sids", [])),
        last_message_sid=item.get("last_message_sid"),
        last_envelope_id=item.get("last_envelope_id"),
        last_outcome=_outcome(item.get("last_outcome")),
        usage=Usage(int(item.get("input_tokens", 0)), int(item.get("output_tokens", 0))),
        irrelevant_streak=int(item.get("irrelevant_streak", 0)),
        request_id=item.get("request_id"),
        awaiting_answer_until=_time(item.get("awaiting_answer_until")),
    )


def _turns(value: Any) -> tuple[Turn, ...]:
    # A JSON string; items written before that held a list of maps.
    turns = json.loads(value) if isinstance(value, str) else value or []
    return tuple(
        Turn(role=t["role"], text=t["text"], media_urls=tuple(t.get("media_urls", [])))
        for t in turns
    )


def _chat_item(chat: Chat) -> dict[str, Any]:
    return _compact(
        {
            "session_id": chat.session_id,
            "sort_key": f"{chat.received_at.isoformat()}#{chat.message_sid}",
            "message_sid": chat.message_sid,
            "sender_id": chat.sender_id,
            "role": chat.turn.role,
            "text": chat.turn.text,
            "received_at": chat.received_at.isoformat(),
            "media": [_media_item(media) for media in chat.media],
        }
    )
