"""Real voice notes for the tests: a tone encoded by libopus (Debian's opus-tools), in Ogg as
WhatsApp sends them, and the ways a voice note goes wrong."""

from __future__ import annotations

import io
import math
import shutil
import struct
import subprocess
import tempfile
import wave
from functools import cache
from pathlib import Path

from harness.processes import InfrastructureError

RATE = 16_000


def _tone(seconds: float, hertz: float) -> bytes:
    frames = int(seconds * RATE)
    samples = (int(12_000 * math.sin(2 * math.pi * hertz * n / RATE)) for n in range(frames))
    out = io.BytesIO()
    with wave.open(out, "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(RATE)
        wav.writeframes(b"".join(struct.pack("<h", s) for s in samples))
    return out.getvalue()


@cache
def voice_note(seconds: float = 2.0, hertz: float = 440.0) -> bytes:
    """An Ogg/Opus voice note of `seconds` (a different `hertz`, a different file)."""
    opusenc = shutil.which("opusenc")
    if opusenc is None:
        raise InfrastructureError("the voice-note tests need opusenc (Debian's opus-tools)")
    with tempfile.TemporaryDirectory() as work:
        wav, opus = Path(work, "note.wav"), Path(work, "note.opus")
        wav.write_bytes(_tone(seconds, hertz))
        subprocess.run([opusenc, "--quiet", "--bitrate", "16", str(wav), str(opus)], check=True)
        return opus.read_bytes()


def truncated(note: bytes) -> bytes:
    """The note cut off in transit: its last bytes never arrived."""
    return note[: len(note) * 2 // 3]


def not_opus(note: bytes) -> bytes:
    """An Ogg file whose stream is not Opus (its identification header renamed)."""
    return note.replace(b"OpusHead", b"VorbHead", 1)
