"""Voice notes to text through OpenAI's `/v1/audio/transcriptions` (or any compatible server),
with the SDK's own timeout and retries."""

from __future__ import annotations

import openai

from media.transcriber import TranscriptionFailed


class OpenAITranscriber:
    """One request per voice note; the SDK retries connection errors, 429 and 5xx."""

    def __init__(self, client: openai.AsyncOpenAI, *, model: str) -> None:
        self._client = client
        self.model = model

    async def transcribe(self, audio: bytes, *, content_type: str) -> str:
        try:
            result = await self._client.audio.transcriptions.create(
                model=self.model, file=("voice-note.ogg", audio, content_type)
            )
        except openai.APIError as error:
            raise TranscriptionFailed(f"transcription failed: {type(error).__name__}") from error
        return result.text.strip()
