"""Sessions and chats in DynamoDB: conditional writes, one transaction per turn, no scans."""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any

from boto3.dynamodb.conditions import Key
from botocore.exceptions import ClientError

from analyzer.sessions import Chat, MediaRef, Outcome, Session, StaleSession
from analyzer.verdict import Turn

BY_SESSION = "by_session"


class DynamoSessionStore:
    """`sessions` by (sender_id, seq); `chats` by message_sid, GSI by_session (session, time)."""

    def __init__(self, dynamodb: Any, *, sessions_table: str, chats_table: str) -> None:
        self._sessions = dynamodb.Table(sessions_table)
        self._chats = dynamodb.Table(chats_table)
        self._client = dynamodb.meta.client  # serializes Python values like the resource does

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
        return _session(items[0]) if items else None

    async def create_session(self, session: Session) -> None:
        """Create the next session; fails if another worker created that sequence first."""
        try:
            await asyncio.to_thread(
                self._sessions.put_item,
                Item=_session_item(session),
                ConditionExpression="attribute_not_exists(seq)",
            )
        except ClientError as error:
            _raise_stale_on_condition(error, session)

    async def get_chat(self, message_sid: str) -> Chat | None:
        """A stored chat by its MessageSid."""
        found = await asyncio.to_thread(
            self._chats.get_item, Key={"message_sid": message_sid}, ConsistentRead=True
        )
        return _chat(found["Item"]) if "Item" in found else None

    async def record_inbound(self, chat: Chat) -> bool:
        """Store the chat unless its MessageSid is known."""
        try:
            await asyncio.to_thread(
                self._chats.put_item,
                Item=_chat_item(chat),
                ConditionExpression="attribute_not_exists(message_sid)",
            )
        except ClientError as error:
            if error.response["Error"]["Code"] == "ConditionalCheckFailedException":
                return False
            raise
        return True

    async def history(self, session_id: str) -> list[Chat]:
        """The session's chats in order (GSI query, paginated)."""
        chats: list[Chat] = []
        arguments: dict[str, Any] = {
            "IndexName": BY_SESSION,
            "KeyConditionExpression": Key("session_id").eq(session_id),
        }
        while True:
            page = await asyncio.to_thread(self._chats.query, **arguments)
            chats.extend(_chat(item) for item in page.get("Items", []))
            if "LastEvaluatedKey" not in page:
                return chats
            arguments["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    async def commit_turn(
        self, *, session: Session, inbound: Chat, outcome: Outcome, reply: Chat | None
    ) -> None:
        """Session (guarded by version), inbound chat handled, and the reply: all or nothing."""
        items: list[dict[str, Any]] = [
            {
                "Put": {
                    "TableName": self._sessions.name,
                    "Item": _session_item(session),
                    "ConditionExpression": "#v = :previous",
                    "ExpressionAttributeNames": {"#v": "version"},
                    "ExpressionAttributeValues": {":previous": session.version - 1},
                }
            },
            {
                "Update": {
                    "TableName": self._chats.name,
                    "Key": {"message_sid": inbound.message_sid},
                    "UpdateExpression": "SET #s = :handled, outcome = :outcome",
                    "ExpressionAttributeNames": {"#s": "state"},
                    "ExpressionAttributeValues": {
                        ":handled": "handled",
                        ":outcome": _outcome_item(outcome),
                    },
                }
            },
        ]
        if reply is not None:
            items.append({"Put": {"TableName": self._chats.name, "Item": _chat_item(reply)}})
        try:
            await asyncio.to_thread(self._client.transact_write_items, TransactItems=items)
        except ClientError as error:
            reasons = [r.get("Code") for r in error.response.get("CancellationReasons", [])]
            if "ConditionalCheckFailed" in reasons:
                raise StaleSession(session.session_id) from error
            raise

    async def mark_published(self, message_sid: str) -> None:
        """The chat's outcome is on Kafka."""
        await asyncio.to_thread(
            self._chats.update_item,
            Key={"message_sid": message_sid},
            UpdateExpression="SET #s = :published",
            ExpressionAttributeNames={"#s": "state"},
            ExpressionAttributeValues={":published": "published"},
        )


def _raise_stale_on_condition(error: ClientError, session: Session) -> None:
    if error.response["Error"]["Code"] == "ConditionalCheckFailedException":
        raise StaleSession(session.session_id) from error
    raise error


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


def _session_item(session: Session) -> dict[str, Any]:
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
        }
    )


def _session(item: dict[str, Any]) -> Session:
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
    )


def _outcome_item(outcome: Outcome) -> dict[str, Any]:
    return {
        "reply_id": outcome.reply_id,
        "reply": outcome.reply,
        "session_id": outcome.session_id,
        "feedback_completed": outcome.feedback_completed,
    }


def _chat_item(chat: Chat) -> dict[str, Any]:
    return _compact(
        {
            "message_sid": chat.message_sid,
            "session_id": chat.session_id,
            "sort_key": f"{chat.received_at.isoformat()}#{chat.message_sid}",
            "sender_id": chat.sender_id,
            "role": chat.turn.role,
            "text": chat.turn.text,
            "received_at": chat.received_at.isoformat(),
            "media": [_media_item(media) for media in chat.media],
            "state": chat.state,
            "outcome": _outcome_item(chat.outcome) if chat.outcome else None,
        }
    )


def _chat(item: dict[str, Any]) -> Chat:
    media = _media(item.get("media", []))
    outcome = item.get("outcome")
    return Chat(
        message_sid=item["message_sid"],
        session_id=item["session_id"],
        sender_id=item["sender_id"],
        turn=Turn(role=item["role"], text=item["text"], media_urls=tuple(m.url for m in media)),
        received_at=datetime.fromisoformat(item["received_at"]),
        media=media,
        state=item.get("state", "received"),
        outcome=Outcome(
            reply_id=outcome["reply_id"],
            reply=outcome["reply"],
            session_id=outcome["session_id"],
            feedback_completed=bool(outcome["feedback_completed"]),
        )
        if outcome
        else None,
    )
