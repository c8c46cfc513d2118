"""Links a browser can open for the customers' photos in S3: presigned, short-lived GETs."""

from __future__ import annotations

from typing import Protocol


class MediaLinks(Protocol):
    """Turns an `s3://bucket/key` URI into a URL a browser can fetch for a while."""

    def link(self, uri: str) -> str: ...
