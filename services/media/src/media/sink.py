"""Where media goes: the port and what it stores (S3: `adapters/s3_sink.py`)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class StoredObject:
    """An object in the bucket with what we know of its content."""

    bucket: str
    key: str
    content_type: str
    size: int
    sha256: str

    @property
    def uri(self) -> str:
        """`s3://bucket/key`."""
        return f"s3://{self.bucket}/{self.key}"


class MediaSink(Protocol):
    """Where copied media goes."""

    def find(self, key: str) -> StoredObject | None: ...

    def write(self, key: str, content_type: str, chunks: Iterable[bytes]) -> StoredObject: ...

    def read(self, key: str) -> bytes:
        """The whole object (a voice note, at most 16 MB, for its checks and its transcript)."""
        ...

    def erase(self, prefix: str, uris: Iterable[str]) -> int:
        """Delete every object under `prefix` and those of `uris` in this bucket; how many."""
        ...


def keys_in(bucket: str, uris: Iterable[str]) -> list[str]:
    """The keys of the `s3://bucket/key` URIs that are in `bucket`."""
    return [uri.split("/", 3)[3] for uri in uris if uri.startswith(f"s3://{bucket}/")]
