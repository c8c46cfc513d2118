"""A session and its chats as DynamoDB items, and back."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from analyzer.sessions import Chat, MediaRef, Outcome, Session
from analyzer.verdict import Turn, Usage


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
            "rating": session.rating,
            "rating_asks": session.rating_asks,
            "media": [_media_item(media) for media in session.media],
            "recent_turns": json.dumps(
                [
                    {"role": t.role, "text": t.text, "media_urls": list(t.media_urls)}
                    | ({"transcribed": True} if t.transcribed else {})
                    for t in session.recent_turns
                ]
            ),
            "recent_sids": list(session.recent_sids),
            "last_message_sid": session.last_message_sid,
            "last_envelope_id": session.last_envelope_id,
            "last_outcome": _outcome_item(session.last_outcome),
            "input_tokens": session.usage.input_tokens,
            "output_tokens": session.usage.output_tokens,
            "audio_seconds": str(session.usage.audio_seconds),  # DynamoDB takes no float
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
        rating=int(item["rating"]) if item.get("rating") is not None else None,
        rating_asks=int(item.get("rating_asks", 0)),
        media=_media(item.get("media", [])),
        recent_turns=_turns(item.get("recent_turns")),
        recent_sids=tuple(item.get("recent_sids", [])),
        last_message_sid=item.get("last_message_sid"),
        last_envelope_id=item.get("last_envelope_id"),
        last_outcome=_outcome(item.get("last_outcome")),
        usage=Usage(
            int(item.get("input_tokens", 0)),
            int(item.get("output_tokens", 0)),
            float(item.get("audio_seconds", 0)),
        ),
        irrelevant_streak=int(item.get("irrelevant_streak", 0)),
        request_id=item.get("request_id"),
        awaiting_answer_until=_time(item.get("awaiting_answer_until")),
    )


def _turns(value: Any) -> tuple[Turn, ...]:
    # A JSON string; items written before that held a list of maps.
    turns = json.loads(value) if isinstance(value, str) else value or []
    return tuple(
        Turn(
            role=t["role"],
            text=t["text"],
            media_urls=tuple(t.get("media_urls", [])),
            transcribed=bool(t.get("transcribed")),
        )
        for t in turns
    )


def chat_item(chat: Chat) -> dict[str, Any]:
    return _compact(
        {
            "session_id": chat.session_id,
            "sort_key": f"{chat.received_at.isoformat()}#{chat.message_sid}",
            "message_sid": chat.message_sid,
            "sender_id": chat.sender_id,
            "role": chat.turn.role,
            "text": chat.turn.text,
            "transcribed": True if chat.turn.transcribed else None,
            "received_at": chat.received_at.isoformat(),
            "media": [_media_item(media) for media in chat.media],
        }
    )
