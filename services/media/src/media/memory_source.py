"""The media source's fake: downloads from a dict, for unit tests."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from media.source import CHUNK, Download, MediaUnavailable


@dataclass
class InMemoryMediaSource:
    """A media source serving files held in memory, recording what it was asked."""

    files: dict[str, tuple[str, bytes]]  # url -> (content type Twilio serves, bytes)
    opened: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)

    @contextmanager
    def open(self, url: str) -> Iterator[Download]:
        """The file's bytes in CHUNK-sized pieces; a URL it does not hold is unavailable."""
        self.opened.append(url)
        if url not in self.files:
            raise MediaUnavailable(f"no media at {url}")
        content_type, body = self.files[url]
        yield Download(
            content_type,
            len(body),
            iter([body[i : i + CHUNK] for i in range(0, len(body), CHUNK)] or [b""]),
        )

    def delete(self, url: str) -> None:
        """Forget the file, as Twilio's Media DELETE does."""
        self.deleted.append(url)
        self.files.pop(url, None)
