"""Sessions and chats: the model, the store port, and an in-memory store."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Literal, Protocol

from analyzer.verdict import Step, Turn

Status = Literal["active", "limited", "completed"]
ChatState = Literal["received", "handled", "published"]


class StaleSession(Exception):
    """Someone else changed the session since we read it (its version moved on)."""


@dataclass(frozen=True)
class MediaRef:
    """A media item that arrived in a session."""

    message_sid: str
    media_sid: str
    url: str
    content_type: str


@dataclass(frozen=True)
class Session:
    """One customer's feedback conversation; `version` guards every write."""

    sender_id: str
    seq: int
    session_id: str
    status: Status
    version: int
    created_at: datetime
    last_message_at: datetime
    step: Step = "ask_product"
    limited_until: datetime | None = None
    product_name: str | None = None
    feedback: str | None = None
    media: tuple[MediaRef, ...] = ()

    def is_open(self, *, now: datetime, inactivity: timedelta) -> bool:
        """Not completed and not expired by inactivity."""
        return self.status != "completed" and now - self.last_message_at < inactivity

    def is_limited(self, now: datetime) -> bool:
        """Inside the temporary window after unsafe or irrelevant messages."""
        return (
            self.status == "limited" and self.limited_until is not None and now < self.limited_until
        )

    def next(self, **changes: object) -> Session:
        """The same session with changes and the next version."""
        return replace(self, version=self.version + 1, **changes)  # type: ignore[arg-type]


def new_session(sender_id: str, *, after: Session | None, now: datetime) -> Session:
    """The customer's next session (sequence after the previous one)."""
    return Session(
        sender_id=sender_id,
        seq=(after.seq + 1) if after else 1,
        session_id=uuid.uuid4().hex,
        status="active",
        version=0,
        created_at=now,
        last_message_at=now,
    )


@dataclass(frozen=True)
class Outcome:
    """What handling one inbound message decided, stored so a redelivery can re-publish it."""

    reply_id: str
    reply: str
    session_id: str
    feedback_completed: bool = False


@dataclass(frozen=True)
class Chat:
    """One stored message of a session (customer or assistant)."""

    message_sid: str
    session_id: str
    sender_id: str
    turn: Turn
    received_at: datetime
    media: tuple[MediaRef, ...] = ()
    state: ChatState = "received"
    outcome: Outcome | None = None


class SessionStore(Protocol):
    """Sessions and chats (DynamoDB in production)."""

    async def latest_session(self, sender_id: str) -> Session | None: ...

    async def create_session(self, session: Session) -> None: ...

    async def get_chat(self, message_sid: str) -> Chat | None: ...

    async def record_inbound(self, chat: Chat) -> bool:
        """Store the chat unless its MessageSid is already known; whether it was stored."""
        ...

    async def history(self, session_id: str) -> list[Chat]: ...

    async def commit_turn(
        self, *, session: Session, inbound: Chat, outcome: Outcome, reply: Chat | None
    ) -> None:
        """Atomically: session at `session.version` (from version - 1), chat handled, reply."""
        ...

    async def mark_published(self, message_sid: str) -> None: ...


@dataclass
class InMemorySessionStore:
    """The store for unit tests and the embedded run."""

    sessions: dict[tuple[str, int], Session] = field(default_factory=dict)
    chats: dict[str, Chat] = field(default_factory=dict)

    async def latest_session(self, sender_id: str) -> Session | None:
        mine = [s for (sender, _), s in self.sessions.items() if sender == sender_id]
        return max(mine, key=lambda s: s.seq, default=None)

    async def create_session(self, session: Session) -> None:
        if (session.sender_id, session.seq) in self.sessions:
            raise StaleSession(session.session_id)
        self.sessions[(session.sender_id, session.seq)] = session

    async def get_chat(self, message_sid: str) -> Chat | None:
        return self.chats.get(message_sid)

    async def record_inbound(self, chat: Chat) -> bool:
        if chat.message_sid in self.chats:
            return False
        self.chats[chat.message_sid] = chat
        return True

    async def history(self, session_id: str) -> list[Chat]:
        mine = [c for c in self.chats.values() if c.session_id == session_id]
        return sorted(mine, key=lambda c: (c.received_at, c.message_sid))

    async def commit_turn(
        self, *, session: Session, inbound: Chat, outcome: Outcome, reply: Chat | None
    ) -> None:
        key = (session.sender_id, session.seq)
        if self.sessions[key].version != session.version - 1:
            raise StaleSession(session.session_id)
        self.sessions[key] = session
        self.chats[inbound.message_sid] = replace(inbound, state="handled", outcome=outcome)
        if reply is not None:
            self.chats[reply.message_sid] = reply

    async def mark_published(self, message_sid: str) -> None:
        self.chats[message_sid] = replace(self.chats[message_sid], state="published")
