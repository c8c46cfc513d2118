"""Voice notes through media's fakes, with real Opus files (libopus via opusenc): the Ogg
checks, the duration cap, and what the analyzer hears back: a transcript, no model, a failed
model, or a refusal that keeps nothing and never reaches the model."""

from __future__ import annotations

import asyncio

import pytest

from feedback_contracts import (
    Envelope,
    MediaReference,
    MediaStored,
    TranscriptionRequested,
    VoiceNoteHeard,
)
from harness.audio import not_opus, truncated, voice_note
from media.handlers import MediaCopier
from media.memory_sink import InMemoryMediaSink
from media.memory_source import InMemoryMediaSource
from media.memory_transcriber import ScriptedTranscriber
from media.ogg import opus_seconds
from media.safety import MediaRefused
from media.voices import VoiceNotes, handle_transcription_requested
from service_runtime.recording_publisher import RecordingPublisher
from service_runtime.routing import unwrap

pytestmark = pytest.mark.unit
CUSTOMER = "whatsapp:+15550001"
URL = "https://api.twilio.com/2010-04-01/Accounts/AC1/Messages/MM1/Media/ME1"
OGG = "audio/ogg; codecs=opus"


@pytest.mark.parametrize("seconds", [1.0, 2.5, 7.0])
def test_the_duration_is_read_from_the_ogg_headers(seconds: float) -> None:
    assert opus_seconds(voice_note(seconds)) == pytest.approx(seconds, abs=0.03)


@pytest.mark.parametrize(
    ("audio", "reason"),
    [
        (truncated(voice_note(2.0)), "truncated"),
        (voice_note(2.0)[:-1], "truncated"),
        (not_opus(voice_note(2.0)), "not Opus"),
        (b"RIFF\x24\x00\x00\x00WAVEfmt ", "not an Ogg file"),
        (b"", "empty"),
    ],
)
def test_anything_but_one_whole_opus_stream_is_refused(audio: bytes, reason: str) -> None:
    with pytest.raises(MediaRefused, match=reason):
        opus_seconds(audio)


async def hear(
    audio: bytes,
    transcriber: ScriptedTranscriber | None,
    *,
    sink: InMemoryMediaSink | None = None,
    max_seconds: float = 60,
) -> tuple[VoiceNoteHeard, MediaStored]:
    publisher = RecordingPublisher()
    copier = MediaCopier(
        source=InMemoryMediaSource({URL: ("audio/ogg", audio)}),
        sink=sink or InMemoryMediaSink(),
        publisher=publisher,
        copies=asyncio.Semaphore(1),
    )
    media = MediaReference(message_sid="MM1", media_sid="ME1", url=URL, content_type=OGG)
    requested = TranscriptionRequested(session_id="s1", sender_id=CUSTOMER, media=media)
    envelope = Envelope.wrap(requested, source="analyzer", correlation_id="MM1")
    deps = VoiceNotes(copier, transcriber, max_seconds)
    await handle_transcription_requested(*unwrap(envelope), deps=deps)
    (heard,) = [e.data for e in publisher.of_type(VoiceNoteHeard)]
    (stored,) = [e.data for e in publisher.of_type(MediaStored)]
    assert isinstance(heard, VoiceNoteHeard) and isinstance(stored, MediaStored)
    return heard, stored


async def test_a_voice_note_is_kept_and_transcribed() -> None:
    note, sink = voice_note(2.0), InMemoryMediaSink()
    heard, stored = await hear(note, ScriptedTranscriber({note: "The lid leaks."}), sink=sink)
    assert (heard.outcome, heard.text, heard.model) == ("transcribed", "The lid leaks.", "scripted")
    assert heard.audio_seconds == pytest.approx(2.0, abs=0.03)
    assert stored.status == "stored" and stored.s3_uri and stored.s3_uri.endswith("/MM1/ME1.ogg")
    assert list(sink.objects.values()) == [("audio/ogg", note)]


async def test_without_a_model_the_audio_is_still_kept() -> None:
    sink = InMemoryMediaSink()
    heard, stored = await hear(voice_note(2.0), None, sink=sink)
    assert (heard.outcome, heard.text, heard.audio_seconds) == ("no_model", None, 0)
    assert stored.status == "stored" and len(sink.objects) == 1


async def test_a_model_that_fails_is_reported_and_nothing_is_billed() -> None:
    heard, stored = await hear(voice_note(2.0), ScriptedTranscriber({}))
    assert (heard.outcome, heard.audio_seconds) == ("failed", 0) and stored.status == "stored"


@pytest.mark.parametrize(
    ("audio", "reason"),
    [
        (truncated(voice_note(2.0)), "truncated"),
        (not_opus(voice_note(2.0)), "not Opus"),
        (voice_note(3.0, hertz=330), "too long"),
    ],
)
async def test_a_refused_voice_note_keeps_nothing_and_never_reaches_the_model(
    audio: bytes, reason: str
) -> None:
    sink, model = InMemoryMediaSink(), ScriptedTranscriber({})
    heard, stored = await hear(audio, model, sink=sink, max_seconds=2.5)
    assert heard.outcome == "refused" and reason in (heard.reason or "")
    assert heard.too_long == (reason == "too long")  # the analyzer words its reply by it
    assert stored.status == "refused" and reason in (stored.reason or "")
    assert sink.objects == {} and model.asked == []  # nothing kept, nothing sent to the model
