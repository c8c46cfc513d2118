"""What turns a voice note into text: the port (OpenAI's `/v1/audio/transcriptions` in
`adapters/openai_transcriber.py`, a scripted one in `memory_transcriber.py`)."""

from __future__ import annotations

from typing import Protocol


class TranscriptionFailed(Exception):
    """The model did not answer, after the client's own retries."""


class Transcriber(Protocol):
    """Any speech-to-text model."""

    model: str

    async def transcribe(self, audio: bytes, *, content_type: str) -> str: ...
