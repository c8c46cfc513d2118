"""Voice notes: the audio is kept with the session (it goes to S3 with the feedback, like a
photo) and sent to the media service to be heard; the turn is taken when `VoiceNoteHeard`
says what the customer said, as if typed and marked as transcribed. Without a transcription
model, or when the audio is refused or the model fails, the customer is asked to type."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from analyzer import SOURCE
from analyzer.answering import answer, reply_chat, seen_before
from analyzer.deps import Analyzer
from analyzer.outcomes import publish_outcome
from analyzer.phrases import say
from analyzer.prompt import bounded_history
from analyzer.sessions import (
    RECENT_SIDS,
    Chat,
    Outcome,
    Session,
    new_session,
    open_session,
    session_language,
)
from analyzer.verdict import Turn, Usage
from feedback_contracts import (
    Envelope,
    InboundMessage,
    MediaReference,
    TranscriptionRequested,
    VoiceNoteHeard,
    reply_id_for,
)


def is_voice_note(message: InboundMessage) -> bool:
    """Audio with no text: WhatsApp's voice notes (`audio/ogg; codecs=opus`) and other audio."""
    audio = any(item.content_type.lower().startswith("audio/") for item in message.media)
    return audio and not message.body.strip()


async def voice_note_received(
    session: Session, chat: Chat, now: datetime, envelope: Envelope, deps: Analyzer
) -> None:
    """Ask for the audio to be heard, then log it with the session; no reply yet. Asked first:
    a redelivery after a failed write asks again, and the answer is heard once (its marker)."""
    for media in (m for m in chat.media if m.content_type.lower().startswith("audio/")):
        reference = MediaReference(
            message_sid=media.message_sid,
            media_sid=media.media_sid,
            url=media.url,
            content_type=media.content_type,
        )
        requested = TranscriptionRequested(
            session_id=session.session_id, sender_id=session.sender_id, media=reference
        )
        await deps.publisher.publish(envelope.follow(requested, source=SOURCE))
    committed = replace(
        session.next(last_message_at=now, media=session.media + chat.media),
        recent_sids=(*session.recent_sids, chat.message_sid)[-RECENT_SIDS:],
        last_message_sid=chat.message_sid,
        last_envelope_id=envelope.id,
        awaiting_answer_until=None,
    )
    await deps.store.commit_turn(session=committed, chats=[chat])


def _marker(heard: VoiceNoteHeard) -> str:
    return f"{heard.message_sid}:heard"


async def handle_voice_note_heard(
    heard: VoiceNoteHeard, envelope: Envelope, *, deps: Analyzer
) -> None:
    """The voice note's turn: its transcript answered like a typed message, or a request to
    type; a refused audio leaves the session's media. Once per voice note, whatever Kafka does."""
    latest = await deps.store.latest_session(heard.sender_id)
    if latest is not None and _marker(heard) in latest.recent_sids:
        await seen_before(envelope, latest, deps)
        return
    if (await deps.consent.get(heard.sender_id)).opted_out:
        return
    now = deps.clock()
    current = open_session(latest, now=now, inactivity=deps.policy.inactivity)
    session = current or new_session(heard.sender_id, after=latest, now=now)
    session = replace(session, usage=session.usage + Usage(audio_seconds=heard.audio_seconds))
    if heard.outcome == "refused":  # not kept: it must not reach the feedback
        session = replace(
            session, media=tuple(m for m in session.media if m.media_sid != heard.media_sid)
        )
    # The voice note's turn, as the customer's text or as the absence of one.
    text = heard.text if heard.outcome == "transcribed" else None
    turn = Turn(role="customer", text=text or "", transcribed=text is not None)
    chat = Chat(heard.message_sid, session.session_id, heard.sender_id, turn, envelope.time)
    if text:
        await answer(session, chat, now, envelope, deps, seen=_marker(heard))
        return
    await _ask_to_type(heard, session, chat, now, envelope, deps)


async def _ask_to_type(
    heard: VoiceNoteHeard,
    session: Session,
    chat: Chat,
    now: datetime,
    envelope: Envelope,
    deps: Analyzer,
) -> None:
    key = "voice_unheard"
    if heard.outcome == "refused":
        key = "voice_too_long" if heard.too_long else "voice_unusable"
    text = say(key, session_language(session))
    outcome = Outcome(reply_id_for(heard.message_sid), text, session.session_id)
    reply = reply_chat(outcome, chat)
    committed = replace(
        session.next(last_message_at=now),
        recent_turns=tuple(
            bounded_history((*session.recent_turns, reply.turn), deps.policy.history_token_budget)
        ),
        recent_sids=(*session.recent_sids, _marker(heard))[-RECENT_SIDS:],
        last_envelope_id=envelope.id,
        last_outcome=outcome,
    )
    await deps.store.commit_turn(session=committed, chats=[reply])
    await publish_outcome(envelope, outcome, committed, deps)
