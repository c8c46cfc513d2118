"""The session store's fake, for unit tests and the embedded run."""

from __future__ import annotations

from dataclasses import dataclass, field

from analyzer.sessions import Chat, Session, StaleSession


@dataclass
class InMemorySessionStore:
    """The store for unit tests and the embedded run."""

    sessions: dict[tuple[str, int], Session] = field(default_factory=dict)
    chats: dict[tuple[str, str], Chat] = field(default_factory=dict)

    async def latest_session(self, sender_id: str) -> Session | None:
        mine = [s for (sender, _), s in self.sessions.items() if sender == sender_id]
        return max(mine, key=lambda s: s.seq, default=None)

    async def commit_turn(self, *, session: Session, chats: list[Chat]) -> None:
        key = (session.sender_id, session.seq)
        current = self.sessions.get(key)
        expected = None if session.version == 1 else session.version - 1
        if (current.version if current else None) != expected:
            raise StaleSession(session.session_id)
        for chat in chats:
            self.chats[(chat.session_id, f"{chat.received_at.isoformat()}#{chat.message_sid}")] = (
                chat
            )
        self.sessions[key] = session

    async def erase(self, sender_id: str) -> dict[str, int]:
        mine = [key for key in self.sessions if key[0] == sender_id]
        ids = {self.sessions[key].session_id for key in mine}
        chats = [key for key in self.chats if key[0] in ids]
        for key in mine:
            del self.sessions[key]
        for chat in chats:
            del self.chats[chat]
        return {"sessions": len(mine), "chats": len(chats)}
