"""One inbound message, one turn: session, verdict, one guarded write, then the events."""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import datetime, timedelta

from analyzer import SOURCE
from analyzer.channel import handled_by_channel
from analyzer.deps import Analyzer
from analyzer.outcomes import publish_outcome
from analyzer.prompt import bounded_history
from analyzer.sessions import (
    RECENT_SIDS,
    Chat,
    MediaRef,
    Session,
    new_session,
)
from analyzer.turns import TurnResult, take_turn
from analyzer.verdict import Turn
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
    open_session = (
        latest if latest and latest.is_open(now=now, inactivity=deps.policy.inactivity) else None
    )
    if await handled_by_channel(
        envelope,
        message,
        consent=deps.consent,
        publisher=deps.publisher,
        session=open_session,
        now=now,
    ):
        return
    if latest is not None and message.message_sid in latest.recent_sids:
        await _seen_before(envelope, latest, deps)
        return
    session = open_session or new_session(message.sender_id, after=latest, now=now)
    chat = _inbound_chat(message, session, envelope.time)
    result = await take_turn(session, chat, now, deps)
    reply = _reply_chat(result, chat) if result.persist_reply else None
    turns = session.recent_turns + (chat.turn,) + ((reply.turn,) if reply else ())
    committed = replace(
        result.session,
        recent_turns=tuple(bounded_history(turns, deps.policy.history_token_budget)),
        recent_sids=(*session.recent_sids, chat.message_sid)[-RECENT_SIDS:],
        last_message_sid=chat.message_sid,
        last_envelope_id=envelope.id,
        last_outcome=result.outcome,
        awaiting_answer_until=None,  # the customer answered (a request's session)
    )
    await deps.store.commit_turn(session=committed, chats=[chat, *([reply] if reply else [])])
    await publish_outcome(envelope, result.outcome, committed, deps)


async def _seen_before(envelope: Envelope, latest: Session, deps: Analyzer) -> None:
    """Kafka redelivered the committed turn: publish it again (downstream is idempotent).
    Twilio delivered the webhook again (a new envelope): nothing to do."""
    if latest.last_envelope_id == envelope.id and latest.last_outcome is not None:
        await publish_outcome(envelope, latest.last_outcome, latest, deps)
        return
    log.info("duplicate inbound message ignored", extra={"message_sid": latest.last_message_sid})


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


def _reply_chat(result: TurnResult, inbound: Chat) -> Chat:
    return Chat(
        message_sid=result.outcome.reply_id,
        session_id=result.session.session_id,
        sender_id=inbound.sender_id,
        turn=Turn(role="assistant", text=result.outcome.reply),
        received_at=inbound.received_at + timedelta(microseconds=1),
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
