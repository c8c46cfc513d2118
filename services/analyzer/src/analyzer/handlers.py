"""One inbound message, one turn: session, verdict, one guarded write, then the events."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta

from analyzer import SOURCE
from analyzer.channel import handled_by_channel
from analyzer.guard import enforce
from analyzer.llm import VerdictSource
from analyzer.prompt import bounded_history
from analyzer.sessions import (
    RECENT_SIDS,
    Chat,
    MediaRef,
    Outcome,
    Session,
    SessionStore,
    new_session,
)
from analyzer.verdict import Conversation, Turn, Usage, Verdict
from feedback_contracts import (
    Envelope,
    ErasureRequested,
    ErasureStepDone,
    FeedbackCompletedV2,
    InboundMessage,
    LlmUsage,
    MediaReference,
    ReplyRequestedV2,
    reply_id_for,
)
from service_runtime.consent import ConsentStore
from service_runtime.memory_consent import InMemoryConsentStore
from service_runtime.publishing import Publisher

log = logging.getLogger(__name__)
PRODUCT_NAME_CHARS = 300  # what the Feedback row holds: a longer name would never be stored
LIMITED_REPLY = "Let's take a short break. You can continue with your feedback in a few minutes."


@dataclass(frozen=True)
class ConversationPolicy:
    """Timing rules of a conversation."""

    inactivity: timedelta = timedelta(minutes=30)
    limit_window: timedelta = timedelta(minutes=10)
    history_token_budget: int = 1500
    irrelevant_limit: int = 3


@dataclass(frozen=True)
class LlmPricing:
    """The LLM the analyzer asks and its price per million tokens, for the cost estimate."""

    model: str | None = None  # None: the offline analyzer, which costs nothing
    input_per_million_usd: float = 0.0
    output_per_million_usd: float = 0.0

    def usage(self, used: Usage) -> LlmUsage:
        """A session's tokens with their estimated cost."""
        cost = (
            used.input_tokens * self.input_per_million_usd
            + used.output_tokens * self.output_per_million_usd
        ) / 1_000_000
        return LlmUsage(
            model=self.model,
            input_tokens=used.input_tokens,
            output_tokens=used.output_tokens,
            estimated_cost_usd=round(cost, 8),
        )


@dataclass(frozen=True)
class Analyzer:
    """The adapters the handler needs, wired by the composition root."""

    store: SessionStore
    verdicts: VerdictSource
    publisher: Publisher
    policy: ConversationPolicy = ConversationPolicy()
    pricing: LlmPricing = LlmPricing()
    consent: ConsentStore = field(default_factory=InMemoryConsentStore)
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)


@dataclass(frozen=True)
class TurnResult:
    """The session after a turn, what to say, and whether the reply is kept."""

    session: Session
    outcome: Outcome
    persist_reply: bool


async def handle_inbound(message: InboundMessage, envelope: Envelope, *, deps: Analyzer) -> None:
    """Handle a customer's message exactly once, even when Kafka or Twilio deliver it again."""
    if await handled_by_channel(envelope, message, consent=deps.consent, publisher=deps.publisher):
        return
    latest = await deps.store.latest_session(message.sender_id)
    if latest is not None and message.message_sid in latest.recent_sids:
        await _seen_before(envelope, latest, deps)
        return
    now = deps.clock()
    open_session = latest is not None and latest.is_open(now=now, inactivity=deps.policy.inactivity)
    session = (
        latest if open_session and latest else new_session(message.sender_id, after=latest, now=now)
    )
    chat = _inbound_chat(message, session, envelope.time)
    result = await _take_turn(session, chat, now, deps)
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
    await _publish(envelope, result.outcome, committed, deps)


async def _seen_before(envelope: Envelope, latest: Session, deps: Analyzer) -> None:
    """Kafka redelivered the committed turn: publish it again (downstream is idempotent).
    Twilio delivered the webhook again (a new envelope): nothing to do."""
    if latest.last_envelope_id == envelope.id and latest.last_outcome is not None:
        await _publish(envelope, latest.last_outcome, latest, deps)
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


async def _take_turn(session: Session, chat: Chat, now: datetime, deps: Analyzer) -> TurnResult:
    reply_id = reply_id_for(chat.message_sid)
    media = session.media + tuple(m for m in chat.media if m not in session.media)
    if session.is_limited(now):
        outcome = Outcome(reply_id, LIMITED_REPLY, session.session_id)
        return TurnResult(session.next(last_message_at=now, media=media), outcome, False)
    conversation = Conversation(
        product_name=session.product_name,
        feedback=session.feedback,
        session_media=tuple(m.url for m in session.media),
        step=session.step,
        history=session.recent_turns,
        message=chat.turn,
    )
    decision = await deps.verdicts.decide(conversation)
    verdict = enforce(decision.verdict, conversation)
    usage = session.usage + decision.usage
    if verdict.is_unsafe or verdict.is_irrelevant:
        # Abuse opens the limit window at once; off-topic messages are steered back, and only
        # `irrelevant_limit` of them in a row open it: one question must not mute a customer.
        streak = session.irrelevant_streak + verdict.is_irrelevant
        limit = verdict.is_unsafe or streak >= deps.policy.irrelevant_limit
        after = session.next(
            status="limited" if limit else "active",
            limited_until=now + deps.policy.limit_window if limit else None,
            last_message_at=now,
            media=media,
            usage=usage,
            irrelevant_streak=0 if limit else streak,
        )
        outcome = Outcome(reply_id, verdict.reply, session.session_id)
        return TurnResult(after, outcome, verdict.should_persist_reply)
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
        usage=usage,
        irrelevant_streak=0,
    )
    outcome = Outcome(reply_id, verdict.reply, session.session_id, feedback_completed=complete)
    return TurnResult(after, outcome, verdict.should_persist_reply)


def _chosen_media(media: tuple[MediaRef, ...], verdict: Verdict) -> tuple[MediaRef, ...]:
    """The media the verdict names; all of the session's when it names none."""
    named = set(verdict.media_urls)
    return tuple(m for m in media if m.url in named) or media


def _reply_chat(result: TurnResult, inbound: Chat) -> Chat:
    return Chat(
        message_sid=result.outcome.reply_id,
        session_id=result.session.session_id,
        sender_id=inbound.sender_id,
        turn=Turn(role="assistant", text=result.outcome.reply),
        received_at=inbound.received_at + timedelta(microseconds=1),
    )


async def _publish(envelope: Envelope, outcome: Outcome, session: Session, deps: Analyzer) -> None:
    reply = ReplyRequestedV2(
        reply_id=outcome.reply_id,
        session_id=outcome.session_id,
        recipient=session.sender_id,
        body=outcome.reply,
        customer_message_at=envelope.time,
    )
    await deps.publisher.publish(envelope.follow(reply, source=SOURCE))
    if outcome.feedback_completed:
        completed = _completed(session, deps.pricing)
        await deps.publisher.publish(envelope.follow(completed, source=SOURCE))


def _completed(session: Session, pricing: LlmPricing) -> FeedbackCompletedV2:
    return FeedbackCompletedV2(
        session_id=session.session_id,
        sender_id=session.sender_id,
        product_name=(session.product_name or "")[:PRODUCT_NAME_CHARS],
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
        llm_usage=pricing.usage(session.usage),
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
