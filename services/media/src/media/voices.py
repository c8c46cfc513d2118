"""A voice note: kept in S3 like a photo, checked from its own bytes, and transcribed when a
transcription model is set; the analyzer hears the outcome (`VoiceNoteHeard`)."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

from feedback_contracts import (
    Envelope,
    MediaStored,
    TranscriptionRequested,
    VoiceNoteHeard,
)
from media.copying import copy_media_to_s3
from media.handlers import SOURCE, MediaCopier
from media.ogg import opus_seconds
from media.safety import MediaRefused, TooLarge
from media.sink import StoredObject
from media.transcriber import Transcriber, TranscriptionFailed

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class VoiceNotes:
    """The copier's adapters, the model (None: no transcription model is set) and the cap."""

    copier: MediaCopier
    transcriber: Transcriber | None
    max_seconds: float


@dataclass(frozen=True)
class _Checked:
    stored: StoredObject
    audio: bytes
    seconds: float


async def handle_transcription_requested(
    requested: TranscriptionRequested, envelope: Envelope, *, deps: VoiceNotes
) -> None:
    """Store and check the audio, publish its media-stored event, then what it says."""
    media = requested.media
    async with deps.copier.copies:
        checked = await asyncio.to_thread(_checked, requested, deps)
    if isinstance(checked, MediaRefused):
        log.warning("voice note refused", extra={"media_sid": media.media_sid})
        await _publish_stored(requested, envelope, deps, status="refused", reason=str(checked))
        outcome = VoiceNoteHeard(
            **_of(requested),
            outcome="refused",
            reason=str(checked),
            too_long=isinstance(checked, TooLarge),
        )
        await deps.copier.publisher.publish(envelope.follow(outcome, source=SOURCE))
        return
    stored = checked.stored
    await _publish_stored(
        requested,
        envelope,
        deps,
        status="stored",
        s3_uri=stored.uri,
        content_type=stored.content_type,
        size_bytes=stored.size,
        sha256=stored.sha256,
    )
    outcome = await _transcribed(requested, checked, deps)
    await deps.copier.publisher.publish(envelope.follow(outcome, source=SOURCE))


def _of(requested: TranscriptionRequested) -> dict[str, str]:
    """The fields that name the voice note in the events about it."""
    media = requested.media
    return {
        "session_id": requested.session_id,
        "sender_id": requested.sender_id,
        "message_sid": media.message_sid,
        "media_sid": media.media_sid,
    }


def _checked(requested: TranscriptionRequested, deps: VoiceNotes) -> _Checked | MediaRefused:
    """The stored audio and its length; a refused one is not kept."""
    copier = deps.copier
    try:
        stored = copy_media_to_s3(
            requested.media, customer=requested.sender_id, source=copier.source, sink=copier.sink
        )
    except MediaRefused as refused:
        return refused
    audio = copier.sink.read(stored.key)
    try:
        seconds = opus_seconds(audio)
        if seconds > deps.max_seconds:
            raise TooLarge(f"too long: {seconds:.0f} s, over {deps.max_seconds:.0f} s")
    except MediaRefused as refused:
        copier.sink.erase(stored.key, [])
        return refused
    if copier.delete_after_copy:
        copier.source.delete(requested.media.url)
    return _Checked(stored, audio, seconds)


async def _publish_stored(
    requested: TranscriptionRequested, envelope: Envelope, deps: VoiceNotes, **fields: object
) -> None:
    event = MediaStored.model_validate(_of(requested) | fields)
    await deps.copier.publisher.publish(envelope.follow(event, source=SOURCE))


async def _transcribed(
    requested: TranscriptionRequested, checked: _Checked, deps: VoiceNotes
) -> VoiceNoteHeard:
    heard = _of(requested)
    if deps.transcriber is None:
        return VoiceNoteHeard(**heard, outcome="no_model")
    model = deps.transcriber.model
    try:
        text = await deps.transcriber.transcribe(checked.audio, content_type="audio/ogg")
    except TranscriptionFailed as failed:
        log.warning("transcription failed", extra={"media_sid": heard["media_sid"]})
        return VoiceNoteHeard(**heard, outcome="failed", reason=str(failed), model=model)
    outcome = "transcribed" if text else "failed"
    return VoiceNoteHeard(
        **heard,
        outcome=outcome,
        text=text or None,
        reason=None if text else "nothing heard",
        audio_seconds=checked.seconds,
        model=model,
    )
