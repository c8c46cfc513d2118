"""A customer's turn answered and committed: the verdict, one guarded write, then the events;
and a turn Kafka delivered again, published again."""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import datetime, timedelta

from analyzer.deps import Analyzer
from analyzer.outcomes import publish_outcome
from analyzer.prompt import bounded_history
from analyzer.sessions import RECENT_SIDS, Chat, Outcome, Session
from analyzer.turns import take_turn
from analyzer.verdict import Turn
from feedback_contracts import Envelope

log = logging.getLogger(__name__)


async def answer(
    session: Session, chat: Chat, now: datetime, envelope: Envelope, deps: Analyzer, *, seen: str
) -> None:
    """Take the turn, commit it (remembering `seen` against redeliveries), publish its outcome."""
    result = await take_turn(session, chat, now, deps)
    outcome = result.outcome
    reply = reply_chat(outcome, chat) if result.persist_reply else None
    turns = session.recent_turns + (chat.turn,) + ((reply.turn,) if reply else ())
    committed = replace(
        result.session,
        recent_turns=tuple(bounded_history(turns, deps.policy.history_token_budget)),
        recent_sids=(*session.recent_sids, seen)[-RECENT_SIDS:],
        last_message_sid=chat.message_sid,
        last_envelope_id=envelope.id,
        last_outcome=outcome,
        awaiting_answer_until=None,  # the customer answered (a request's session)
    )
    await deps.store.commit_turn(session=committed, chats=[chat, *([reply] if reply else [])])
    await publish_outcome(envelope, outcome, committed, deps)


async def seen_before(envelope: Envelope, latest: Session, deps: Analyzer) -> None:
    """Kafka redelivered the committed turn: publish it again (downstream is idempotent).
    Twilio delivered the webhook again (a new envelope): nothing to do."""
    if latest.last_envelope_id == envelope.id and latest.last_outcome is not None:
        await publish_outcome(envelope, latest.last_outcome, latest, deps)
        return
    log.info("duplicate inbound message ignored", extra={"message_sid": latest.last_message_sid})


def reply_chat(outcome: Outcome, inbound: Chat) -> Chat:
    """The assistant's reply in the chat log, just after the message it answers."""
    return Chat(
        message_sid=outcome.reply_id,
        session_id=outcome.session_id,
        sender_id=inbound.sender_id,
        turn=Turn(role="assistant", text=outcome.reply),
        received_at=inbound.received_at + timedelta(microseconds=1),
    )
