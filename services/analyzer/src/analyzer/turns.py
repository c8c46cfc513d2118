"""One turn of a conversation: the verdict on the customer's message, and the session after it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from analyzer.deps import Analyzer, ConversationPolicy
from analyzer.guard import enforce
from analyzer.phrases import say
from analyzer.sessions import (
    Chat,
    MediaRef,
    Outcome,
    Session,
    minutes_left,
    session_language,
)
from analyzer.verdict import Conversation, Usage, Verdict
from feedback_contracts import (
    reply_id_for,
)


@dataclass(frozen=True)
class TurnResult:
    """The session after a turn, what to say, and whether the reply is kept."""

    session: Session
    outcome: Outcome
    persist_reply: bool


async def take_turn(session: Session, chat: Chat, now: datetime, deps: Analyzer) -> TurnResult:
    """The verdict on the customer's message (unless the session is limited) and its effect."""
    reply_id = reply_id_for(chat.message_sid)
    media = session.media + tuple(m for m in chat.media if m not in session.media)
    if session.is_limited(now):
        language = session_language(session, chat.turn.text)
        pause = say("limited", language, minutes=minutes_left(session, now))
        outcome = Outcome(reply_id, pause, session.session_id)
        return TurnResult(session.next(last_message_at=now, media=media), outcome, False)
    conversation = Conversation(
        product_name=session.product_name,
        feedback=session.feedback,
        session_media=tuple(m.url for m in session.media),
        step=session.step,
        rating=session.rating,
        rating_asks=session.rating_asks,
        wants_rating=deps.policy.ask_rating,
        history=session.recent_turns,
        message=chat.turn,
    )
    decision = await deps.verdicts.decide(conversation)
    verdict = enforce(decision.verdict, conversation)
    turn = _Turn(session, now, media, session.usage + decision.usage)
    if verdict.is_unsafe or verdict.is_irrelevant:
        after = _held_back(turn, verdict, deps.policy)
        outcome = Outcome(reply_id, verdict.reply, session.session_id)
        return TurnResult(after, outcome, verdict.should_persist_reply)
    after, complete = _advanced(turn, verdict)
    outcome = Outcome(reply_id, verdict.reply, session.session_id, feedback_completed=complete)
    return TurnResult(after, outcome, verdict.should_persist_reply)


@dataclass(frozen=True)
class _Turn:
    session: Session
    now: datetime
    media: tuple[MediaRef, ...]  # the session's, with the message's added
    usage: Usage  # the session's, with this turn's


def _held_back(turn: _Turn, verdict: Verdict, policy: ConversationPolicy) -> Session:
    """Abuse opens the limit window at once; off-topic messages are steered back, and only
    `irrelevant_limit` of them in a row open it: one question must not mute a customer."""
    streak = turn.session.irrelevant_streak + verdict.is_irrelevant
    limit = verdict.is_unsafe or streak >= policy.irrelevant_limit
    return turn.session.next(
        status="limited" if limit else "active",
        limited_until=turn.now + policy.limit_window if limit else None,
        last_message_at=turn.now,
        media=turn.media,
        usage=turn.usage,
        irrelevant_streak=0 if limit else streak,
    )


def _advanced(turn: _Turn, verdict: Verdict) -> tuple[Session, bool]:
    """The session one step on, and whether the feedback is now complete."""
    complete = bool(
        verdict.is_feedback_session_complete and verdict.product_name and verdict.feedback
    )
    after = turn.session.next(
        status="completed" if complete else "active",
        limited_until=None,
        last_message_at=turn.now,
        step="done" if complete else verdict.next_step,
        product_name=verdict.product_name,
        feedback=verdict.feedback,
        rating=verdict.rating,
        rating_asks=_rating_asks(turn.session, verdict),
        media=_chosen_media(turn.media, verdict) if complete else turn.media,
        usage=turn.usage,
        irrelevant_streak=0,
    )
    return after, complete


def _rating_asks(session: Session, verdict: Verdict) -> int:
    """How often the rating has been asked for; a conversation that starts over starts at 0."""
    if verdict.next_step == "ask_product":
        return 0
    return session.rating_asks + (verdict.next_step == "ask_rating")


def _chosen_media(media: tuple[MediaRef, ...], verdict: Verdict) -> tuple[MediaRef, ...]:
    """The media the verdict names; all of the session's when it names none."""
    named = set(verdict.media_urls)
    return tuple(m for m in media if m.url in named) or media
