"""One inbound message, one turn: session, verdict, one atomic write, then the events."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from analyzer.guard import enforce
from analyzer.llm import VerdictSource
from analyzer.sessions import (
    Chat,
    MediaRef,
    Outcome,
    Session,
    SessionStore,
    StaleSession,
    new_session,
)
from analyzer.verdict import Conversation, Turn, Verdict
from feedback_contracts import (
    Envelope,
    FeedbackCompleted,
    InboundMessage,
    MediaReference,
    ReplyRequested,
)
from service_runtime.consuming import PermanentError
from service_runtime.publishing import Publisher

log = logging.getLogger(__name__)
SOURCE = "feedback-intelligence/analyzer"
LIMITED_REPLY = "Let's take a short break. You can continue with your feedback in a few minutes."


@dataclass(frozen=True)
class ConversationPolicy:
    """Timing rules of a conversation."""

    inactivity: timedelta = timedelta(minutes=30)
    limit_window: timedelta = timedelta(minutes=10)


@dataclass(frozen=True)
class Analyzer:
    """The adapters the handler needs, wired by the composition root."""

    store: SessionStore
    verdicts: VerdictSource
    publisher: Publisher
    policy: ConversationPolicy = ConversationPolicy()
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)


@dataclass(frozen=True)
class TurnResult:
    """The session after a turn, what to say, and whether the reply is kept."""

    session: Session
    outcome: Outcome
    persist_reply: bool
    verdict: Verdict | None


async def handle_inbound(envelope: Envelope, *, deps: Analyzer) -> None:
    """Handle a customer's message exactly once, even when Kafka or Twilio deliver it again."""
    message = envelope.data
    if not isinstance(message, InboundMessage):
        raise PermanentError(f"unexpected event {envelope.type} on the inbound topic")
    stored = await deps.store.get_chat(message.message_sid)
    if stored is not None and stored.state != "received":
        await _redelivered(envelope, stored, deps)
        return
    now = deps.clock()
    session = await _open_session(message.sender_id, now, deps)
    chat = stored or _inbound_chat(message, session, now)
    if stored is None and not await deps.store.record_inbound(chat):
        raise StaleSession(f"{message.message_sid} recorded concurrently")
    result = await _take_turn(session, chat, now, deps)
    reply = _reply_chat(result, chat, now) if result.persist_reply else None
    await deps.store.commit_turn(
        session=result.session, inbound=chat, outcome=result.outcome, reply=reply
    )
    await _publish(envelope, result.outcome, result.session, deps)
    await deps.store.mark_published(message.message_sid)


async def _open_session(sender_id: str, now: datetime, deps: Analyzer) -> Session:
    latest = await deps.store.latest_session(sender_id)
    if latest is not None and latest.is_open(now=now, inactivity=deps.policy.inactivity):
        return latest
    session = new_session(sender_id, after=latest, now=now)
    await deps.store.create_session(session)
    return session


def _inbound_chat(message: InboundMessage, session: Session, now: datetime) -> Chat:
    media = tuple(
        MediaRef(message.message_sid, item.media_sid, item.url, item.content_type)
        for item in message.media
    )
    return Chat(
        message_sid=message.message_sid,
        session_id=session.session_id,
        sender_id=message.sender_id,
        turn=Turn(role="customer", text=message.body, media_urls=tuple(m.url for m in media)),
        received_at=now,
        media=media,
    )


async def _take_turn(session: Session, chat: Chat, now: datetime, deps: Analyzer) -> TurnResult:
    reply_id = f"{chat.message_sid}:reply"
    media = session.media + tuple(m for m in chat.media if m not in session.media)
    if session.is_limited(now):
        outcome = Outcome(reply_id, LIMITED_REPLY, session.session_id)
        return TurnResult(session.next(last_message_at=now, media=media), outcome, False, None)
    history = [c.turn for c in await deps.store.history(session.session_id) if c != chat]
    conversation = Conversation(
        product_name=session.product_name,
        feedback=session.feedback,
        session_media=tuple(m.url for m in session.media),
        step=session.step,
        history=tuple(t for t in history if t != chat.turn),
        message=chat.turn,
    )
    verdict = enforce(await deps.verdicts.decide(conversation), conversation)
    if verdict.is_unsafe or verdict.is_irrelevant:
        limited = session.next(
            status="limited",
            limited_until=now + deps.policy.limit_window,
            last_message_at=now,
            media=media,
        )
        outcome = Outcome(reply_id, verdict.reply, session.session_id)
        return TurnResult(limited, outcome, verdict.should_persist_reply, verdict)
    complete = bool(
        verdict.is_feedback_session_complete and verdict.product_name and verdict.feedback
    )
    after = session.next(
        status="completed" if complete else "active",
        limited_until=None,
        last_message_at=now,
        step="done" if complete else verdict.next_step,
        product_name=verdict.product_name,
        feedback=verdict.feedback,
        media=_chosen_media(media, verdict) if complete else media,
    )
    outcome = Outcome(reply_id, verdict.reply, session.session_id, feedback_completed=complete)
    return TurnResult(after, outcome, verdict.should_persist_reply, verdict)


def _chosen_media(media: tuple[MediaRef, ...], verdict: Verdict) -> tuple[MediaRef, ...]:
    """The media the verdict names; all of the session's when it names none."""
    named = set(verdict.media_urls)
    return tuple(m for m in media if m.url in named) or media


def _reply_chat(result: TurnResult, inbound: Chat, now: datetime) -> Chat:
    return Chat(
        message_sid=result.outcome.reply_id,
        session_id=result.session.session_id,
        sender_id=inbound.sender_id,
        turn=Turn(role="assistant", text=result.outcome.reply),
        received_at=now + timedelta(microseconds=1),
        state="published",
    )


async def _publish(envelope: Envelope, outcome: Outcome, session: Session, deps: Analyzer) -> None:
    reply = ReplyRequested(
        reply_id=outcome.reply_id,
        session_id=outcome.session_id,
        recipient=session.sender_id,
        body=outcome.reply,
    )
    await deps.publisher.publish(envelope.follow(reply, source=SOURCE))
    if outcome.feedback_completed:
        await deps.publisher.publish(envelope.follow(_completed(session), source=SOURCE))


def _completed(session: Session) -> FeedbackCompleted:
    return FeedbackCompleted(
        session_id=session.session_id,
        sender_id=session.sender_id,
        product_name=session.product_name or "",
        feedback_text=session.feedback or "",
        media=[
            MediaReference(
                message_sid=m.message_sid,
                media_sid=m.media_sid,
                url=m.url,
                content_type=m.content_type,
            )
            for m in session.media
        ],
        completed_at=session.last_message_at,
    )


async def _redelivered(envelope: Envelope, stored: Chat, deps: Analyzer) -> None:
    """Already handled: re-publish the stored outcome unless it is known to be on Kafka."""
    if stored.state == "published" or stored.outcome is None:
        log.info("duplicate inbound message ignored", extra={"message_sid": stored.message_sid})
        return
    session = await deps.store.latest_session(stored.sender_id)
    if session is None or session.session_id != stored.outcome.session_id:
        raise PermanentError(f"session of {stored.message_sid} is no longer the latest")
    await _publish(envelope, stored.outcome, session, deps)
    await deps.store.mark_published(stored.message_sid)
