"""Sessions and chats: the model, the store port, an in-memory store and a session cache."""

from __future__ import annotations

import math
import uuid
from collections import OrderedDict
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Literal, Protocol

from analyzer.language import Language, customer_language
from analyzer.verdict import Step, Turn, Usage

Status = Literal["active", "limited", "completed"]
RECENT_SIDS = 100  # inbound MessageSids remembered per customer, for deduplication


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
class Outcome:
    """What handling one inbound message decided, kept so a redelivery can re-publish it."""

    reply_id: str
    reply: str
    session_id: str
    feedback_completed: bool = False


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
    rating: int | None = None  # 1-5, as the customer gave it
    rating_asks: int = 0  # how often the rating was asked for
    media: tuple[MediaRef, ...] = ()
    recent_turns: tuple[Turn, ...] = ()
    recent_sids: tuple[str, ...] = ()
    last_message_sid: str | None = None
    last_envelope_id: str | None = None
    last_outcome: Outcome | None = None
    usage: Usage = field(default_factory=Usage)  # the LLM tokens of every turn so far
    irrelevant_streak: int = 0  # off-topic messages in a row
    request_id: str | None = None  # the business's feedback request that opened it, if any
    # A session the business opened waits this long for the customer's first answer.
    awaiting_answer_until: datetime | None = None

    def is_open(self, *, now: datetime, inactivity: timedelta) -> bool:
        """Not completed and not expired by inactivity (or still awaiting the answer to the
        business's request, which may come hours later)."""
        if self.status == "completed":
            return False
        awaiting = self.awaiting_answer_until is not None and now < self.awaiting_answer_until
        return awaiting or now - self.last_message_at < inactivity

    def is_limited(self, now: datetime) -> bool:
        """Inside the temporary window after unsafe or irrelevant messages."""
        return (
            self.status == "limited" and self.limited_until is not None and now < self.limited_until
        )

    def next(self, **changes: object) -> Session:
        """The same session with changes and the next version."""
        return replace(self, version=self.version + 1, **changes)  # type: ignore[arg-type]


def open_session(latest: Session | None, *, now: datetime, inactivity: timedelta) -> Session | None:
    """The customer's latest session while it is still open."""
    return latest if latest is not None and latest.is_open(now=now, inactivity=inactivity) else None


def minutes_left(session: Session, now: datetime) -> str:
    """Whole minutes, rounded up, until the session's limit ends."""
    until = session.limited_until or now
    return str(max(1, math.ceil((until - now).total_seconds() / 60)))


def session_language(session: Session, *also: str) -> Language:
    """The language the customer writes in: their recent messages (and `also`)."""
    return customer_language(session.recent_turns, *also)


def new_session(sender_id: str, *, after: Session | None, now: datetime) -> Session:
    """The customer's next session; it remembers the MessageSids the previous one saw."""
    return Session(
        sender_id=sender_id,
        seq=(after.seq + 1) if after else 1,
        session_id=uuid.uuid4().hex,
        status="active",
        version=0,
        created_at=now,
        last_message_at=now,
        recent_sids=after.recent_sids if after else (),
    )


@dataclass(frozen=True)
class Chat:
    """One message of a session's log (customer or assistant)."""

    message_sid: str
    session_id: str
    sender_id: str
    turn: Turn
    received_at: datetime
    media: tuple[MediaRef, ...] = ()


class SessionStore(Protocol):
    """Sessions and chats (DynamoDB in production)."""

    async def latest_session(self, sender_id: str) -> Session | None: ...

    async def commit_turn(self, *, session: Session, chats: list[Chat]) -> None:
        """Log the chats, then write the session if still at `version - 1` (or new)."""
        ...

    async def erase(self, sender_id: str) -> dict[str, int]:
        """Delete every session of the customer and their chats; how many of each."""
        ...


class CachedSessions:
    """Keeps each customer's latest session in memory: this consumer owns the partition, and the
    version-guarded write catches the rare case (a rebalance) where someone else moved it on."""

    def __init__(self, store: SessionStore, *, capacity: int = 50_000) -> None:
        self._store = store
        self._capacity = capacity
        self._latest: OrderedDict[str, Session] = OrderedDict()

    async def latest_session(self, sender_id: str) -> Session | None:
        """From memory when known, else from the store."""
        if sender_id in self._latest:
            self._latest.move_to_end(sender_id)
            return self._latest[sender_id]
        return await self._store.latest_session(sender_id)

    async def commit_turn(self, *, session: Session, chats: list[Chat]) -> None:
        """Write through; forget the customer if the write lost a race."""
        try:
            await self._store.commit_turn(session=session, chats=chats)
        except StaleSession:
            self._latest.pop(session.sender_id, None)
            raise
        self._latest[session.sender_id] = session
        self._latest.move_to_end(session.sender_id)
        if len(self._latest) > self._capacity:
            self._latest.popitem(last=False)

    async def erase(self, sender_id: str) -> dict[str, int]:
        """Forget the customer here and in the store. Another replica's cached session cannot
        come back: its next write is version-guarded, finds no item, and reloads."""
        self._latest.pop(sender_id, None)
        return await self._store.erase(sender_id)
