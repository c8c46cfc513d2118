"""The stand-in's `/v1/audio/transcriptions`: OpenAI's multipart request and JSON answer, with
the transcript the test scripted for that audio, found by the audio's SHA-256 (`Transcripts`,
filled from a side file or through `POST /_standin/transcripts`)."""

from __future__ import annotations

import hashlib
import json
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, FastAPI, File, Form, UploadFile
from fastapi.responses import JSONResponse
from pydantic import BaseModel


@dataclass
class Transcripts:
    """What each audio says, by the SHA-256 of its bytes."""

    by_sha256: dict[str, str] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)
    heard: list[str] = field(default_factory=list)  # the hashes asked for, in order

    @classmethod
    def from_file(cls, path: Path | None) -> Transcripts:
        """A side file: `{"<sha256 of the audio>": "what it says", ...}`."""
        return cls(json.loads(path.read_text()) if path else {})

    def script(self, audio: bytes, text: str) -> None:
        with self.lock:
            self.by_sha256[hashlib.sha256(audio).hexdigest()] = text


class Scripted(BaseModel):
    sha256: str
    text: str


def add_routes(app: FastAPI, transcripts: Transcripts) -> None:
    """Mount the transcription endpoint and its control route on the stand-in's app."""
    router = APIRouter()

    @router.post("/v1/audio/transcriptions")
    async def transcribe(
        file: Annotated[UploadFile, File()], model: Annotated[str, Form()]
    ) -> JSONResponse:
        digest = hashlib.sha256(await file.read()).hexdigest()
        with transcripts.lock:
            transcripts.heard.append(digest)
            text = transcripts.by_sha256.get(digest)
        if text is None:
            error = {
                "message": f"no transcript scripted for audio {digest}",
                "type": "invalid_request_error",
            }
            return JSONResponse({"error": error}, status_code=400)
        return JSONResponse({"text": text})

    @router.post("/_standin/transcripts", status_code=204)
    async def script(scripted: Scripted) -> None:
        with transcripts.lock:
            transcripts.by_sha256[scripted.sha256] = scripted.text

    app.include_router(router)
