"""A voice note's events: the analyzer asks for it to be heard, the media service answers."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field

from feedback_contracts import topics
from feedback_contracts.envelope import Event
from feedback_contracts.feedback_events import MediaReference


class TranscriptionRequested(Event):
    """A customer sent a voice note: store it and, with a transcription model, transcribe it."""

    TYPE: ClassVar[str] = "feedback.transcription-requested"
    VERSION: ClassVar[int] = 1
    TOPIC: ClassVar[str] = topics.TRANSCRIPTION_REQUESTS

    session_id: str
    sender_id: str
    media: MediaReference

    def key(self) -> str:
        return self.sender_id


class VoiceNoteHeard(Event):
    """What became of a voice note: its transcript, or why there is none.

    `transcribed`: `text` is what the customer said. `refused`: the audio is not a whole Ogg/Opus
    file within the limits (`reason` says which). `no_model`: no transcription model is set.
    `failed`: the model did not answer after its retries."""

    TYPE: ClassVar[str] = "feedback.voice-note-heard"
    VERSION: ClassVar[int] = 1
    TOPIC: ClassVar[str] = topics.VOICE_NOTES

    session_id: str
    sender_id: str
    message_sid: str
    media_sid: str
    outcome: Literal["transcribed", "refused", "no_model", "failed"]
    text: str | None = Field(default=None, max_length=20_000)
    reason: str | None = Field(default=None, max_length=500)
    too_long: bool = Field(default=False, description="Refused for its size or its length.")
    audio_seconds: float = Field(default=0, ge=0, description="Audio sent to the model.")
    model: str | None = None

    def key(self) -> str:
        return self.sender_id
