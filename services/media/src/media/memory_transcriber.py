"""A transcriber that answers from a script, for tests: audio bytes to what they say."""

from __future__ import annotations

from media.transcriber import TranscriptionFailed


class ScriptedTranscriber:
    """Knows what each audio says; anything else fails, like a model that is down."""

    model = "scripted"

    def __init__(self, transcripts: dict[bytes, str]) -> None:
        self._transcripts = transcripts
        self.asked: list[bytes] = []  # every audio it was given

    async def transcribe(self, audio: bytes, *, content_type: str) -> str:
        self.asked.append(audio)
        if audio not in self._transcripts:
            raise TranscriptionFailed("no transcript scripted for this audio")
        return self._transcripts[audio]
