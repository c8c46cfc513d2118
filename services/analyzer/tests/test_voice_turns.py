"""Voice notes in the analyzer: the audio waits for what it says, the transcript is a turn as if
typed, once whatever Kafka redelivers; without it the customer is asked to type, in their
language."""

from __future__ import annotations

import pytest

from analyzer.deps import Analyzer
from analyzer.handlers import handle_inbound
from analyzer.memory_sessions import InMemorySessionStore
from analyzer.voice import handle_voice_note_heard
from feedback_contracts import (
    Envelope,
    FeedbackCompletedV3,
    MediaItem,
    ReplyRequested,
    TranscriptionRequested,
    VoiceNoteHeard,
)
from service_runtime.routing import unwrap

from .test_conversation import analyzer, converse, inbound, recorded

pytestmark = pytest.mark.unit
CUSTOMER = "whatsapp:+15550001111"
AUDIO = "https://api.twilio.com/2010-04-01/Accounts/AC1/Messages/MM3/Media/ME3"


def replies(deps: Analyzer) -> list[str]:
    return [e.data.body for e in recorded(deps).of_type(ReplyRequested)]  # type: ignore[attr-defined]


def sessions(deps: Analyzer) -> InMemorySessionStore:
    assert isinstance(deps.store, InMemorySessionStore)
    return deps.store


async def voice(deps: Analyzer, sid: str = "MM3") -> TranscriptionRequested:
    note = MediaItem(media_sid="ME3", url=AUDIO, content_type="audio/ogg; codecs=opus")
    await handle_inbound(*unwrap(inbound(sid, "", [note])), deps=deps)
    requested = [e.data for e in recorded(deps).of_type(TranscriptionRequested)]
    assert isinstance(requested[-1], TranscriptionRequested)
    return requested[-1]


def heard(requested: TranscriptionRequested, outcome: str, **fields: object) -> Envelope:
    event = VoiceNoteHeard(
        session_id=requested.session_id,
        sender_id=CUSTOMER,
        message_sid=requested.media.message_sid,
        media_sid=requested.media.media_sid,
        outcome=outcome,  # type: ignore[arg-type]
        **fields,  # type: ignore[arg-type]
    )
    return Envelope.wrap(event, source="media", correlation_id=requested.media.message_sid)


async def test_the_transcript_is_the_feedback_once_and_the_audio_goes_with_it() -> None:
    deps = analyzer()
    await converse(deps, ("SM1", "Hi", None), ("SM2", "Acme kettle", None))
    requested = await voice(deps)
    assert len(replies(deps)) == 2  # nothing said until it is heard
    said = heard(requested, "transcribed", text="Boils fast but the lid leaks", audio_seconds=4.0)
    await handle_voice_note_heard(*unwrap(said), deps=deps)
    await handle_voice_note_heard(*unwrap(said), deps=deps)  # Kafka delivers it again
    assert replies(deps)[2].startswith("Thanks! From 1 to 5") and len(replies(deps)) == 4
    assert replies(deps)[3] == replies(deps)[2]  # the redelivery re-published the same reply
    await converse(deps, ("SM4", "4", None), ("SM5", "no", None), ("SM6", "yes", None))
    (done,) = [e.data for e in recorded(deps).of_type(FeedbackCompletedV3)]
    assert isinstance(done, FeedbackCompletedV3)
    assert (done.feedback_text, done.rating) == ("Boils fast but the lid leaks", 4)
    assert [m.content_type for m in done.media] == ["audio/ogg; codecs=opus"]
    session = next(iter(sessions(deps).sessions.values()))
    assert session.usage.audio_seconds == 4.0
    assert any(t.transcribed for t in session.recent_turns)


async def test_without_a_model_the_customer_is_asked_to_type_in_their_language() -> None:
    deps = analyzer()
    await converse(deps, ("SM1", "Olá", None), ("SM2", "chaleira Acme", None))
    requested = await voice(deps)
    await handle_voice_note_heard(*unwrap(heard(requested, "no_model")), deps=deps)
    assert replies(deps)[-1].startswith("Não consigo ouvir mensagens de voz")
    session = next(iter(sessions(deps).sessions.values()))
    assert [m.media_sid for m in session.media] == ["ME3"]  # the audio is still kept
    assert session.step == "ask_feedback"  # the conversation waits for the typed answer


async def test_a_refused_voice_note_says_why_and_leaves_the_session() -> None:
    deps = analyzer()
    await converse(deps, ("SM1", "Hi", None), ("SM2", "Acme kettle", None))
    requested = await voice(deps)
    refusal = heard(requested, "refused", reason="truncated: a page is cut off")
    await handle_voice_note_heard(*unwrap(refusal), deps=deps)
    assert "incomplete" in replies(deps)[-1]
    session = next(iter(sessions(deps).sessions.values()))
    assert session.media == ()
    long_one = await voice(deps, sid="MM4")
    too_long = heard(long_one, "refused", reason="too long: 400 s, over 300 s", too_long=True)
    await handle_voice_note_heard(*unwrap(too_long), deps=deps)
    assert "too long" in replies(deps)[-1]
