"""One inbound message, one turn: session, verdict, one guarded write, then the events; a
voice note waits for what it says (`voice.py`)."""

from __future__ import annotations

import logging
from datetime import datetime

from analyzer import SOURCE
from analyzer.answering import answer, seen_before
from analyzer.channel import handled_by_channel
from analyzer.deps import Analyzer
from analyzer.sessions import Chat, MediaRef, Session, new_session, open_session
from analyzer.verdict import Turn
from analyzer.voice import is_voice_note, voice_note_received
from feedback_contracts import (
    Envelope,
    ErasureRequested,
    ErasureStepDone,
    InboundMessage,
)

log = logging.getLogger(__name__)


async def handle_inbound(message: InboundMessage, envelope: Envelope, *, deps: Analyzer) -> None:
    """Handle a customer's message exactly once, even when Kafka or Twilio deliver it again."""
    latest = await deps.store.latest_session(message.sender_id)
    now = deps.clock()
    current = open_session(latest, now=now, inactivity=deps.policy.inactivity)
    if await handled_by_channel(
        envelope,
        message,
        consent=deps.consent,
        publisher=deps.publisher,
        session=current,
        now=now,
    ):
        return
    if latest is not None and message.message_sid in latest.recent_sids:
        await seen_before(envelope, latest, deps)
        return
    session = current or new_session(message.sender_id, after=latest, now=now)
    chat = _inbound_chat(message, session, envelope.time)
    if is_voice_note(message):
        await voice_note_received(session, chat, now, envelope, deps)
        return
    await answer(session, chat, now, envelope, deps, seen=chat.message_sid)


def _inbound_chat(message: InboundMessage, session: Session, received_at: datetime) -> Chat:
    media = tuple(
        MediaRef(message.message_sid, item.media_sid, item.url, item.content_type)
        for item in message.media
    )
    return Chat(
        message_sid=message.message_sid,
        session_id=session.session_id,
        sender_id=message.sender_id,
        turn=Turn(role="customer", text=message.body, media_urls=tuple(m.url for m in media)),
        received_at=received_at,
        media=media,
    )


async def handle_erasure_requested(
    requested: ErasureRequested, envelope: Envelope, *, deps: Analyzer
) -> None:
    """The analyzer's step of an erasure: the customer's sessions, chats and opt-out item."""
    erased = await deps.store.erase(requested.sender_id)
    erased["opt_outs"] = await deps.consent.erase(requested.sender_id)
    done = ErasureStepDone(erasure_id=requested.erasure_id, step="conversations", erased=erased)
    log.info("erased the customer's conversations", extra={"erasure_id": requested.erasure_id})
    await deps.publisher.publish(envelope.follow(done, source=SOURCE))
