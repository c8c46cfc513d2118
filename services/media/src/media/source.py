"""Where media comes from: the port and the download it opens (Twilio: `adapters/twilio_source`)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Protocol

CHUNK = 256 * 1024


class MediaUnavailable(Exception):
    """A transient failure (5xx, network, still 404 after retries): try the event again later."""


@dataclass(frozen=True)
class Download:
    """An open download: its declared type and length, and its bytes in chunks."""

    content_type: str
    length: int | None
    chunks: Iterator[bytes]


class MediaSource(Protocol):
    """Opens a media URL for streaming."""

    def open(self, url: str) -> AbstractContextManager[Download]: ...

    def delete(self, url: str) -> None: ...
