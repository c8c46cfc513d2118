"""The media sink's fake: objects in a dict, for unit tests."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field

from media.sink import StoredObject, keys_in


@dataclass
class InMemoryMediaSink:
    """A bucket held in memory: key -> (content type, bytes)."""

    bucket: str = "media"
    objects: dict[str, tuple[str, bytes]] = field(default_factory=dict)

    def find(self, key: str) -> StoredObject | None:
        """The object under `key`, if stored."""
        if key not in self.objects:
            return None
        content_type, body = self.objects[key]
        return StoredObject(
            self.bucket, key, content_type, len(body), hashlib.sha256(body).hexdigest()
        )

    def read(self, key: str) -> bytes:
        """The object's bytes."""
        return self.objects[key][1]

    def erase(self, prefix: str, uris: Iterable[str]) -> int:
        """Delete the objects under `prefix` and those of `uris`."""
        named = set(keys_in(self.bucket, uris))
        mine = [key for key in self.objects if key.startswith(prefix) or key in named]
        for key in mine:
            del self.objects[key]
        return len(mine)

    def write(self, key: str, content_type: str, chunks: Iterable[bytes]) -> StoredObject:
        """Store the bytes; a failure midway (a refused size) stores nothing."""
        body = b"".join(chunks)
        self.objects[key] = (content_type, body)
        stored = self.find(key)
        assert stored is not None
        return stored
