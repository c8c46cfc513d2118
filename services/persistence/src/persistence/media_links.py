"""Links a browser can open for the customers' photos in S3: presigned, short-lived GETs."""

from __future__ import annotations

from typing import Any, Protocol


class MediaLinks(Protocol):
    """Turns an `s3://bucket/key` URI into a URL a browser can fetch for a while."""

    def link(self, uri: str) -> str: ...


class S3MediaLinks:
    """Presigned GETs; signing is local to boto3, no call to S3."""

    def __init__(self, s3: Any, *, ttl_s: int) -> None:
        self._s3 = s3
        self._ttl_s = ttl_s

    def link(self, uri: str) -> str:
        """A presigned URL valid for the configured time."""
        bucket, _, key = uri.removeprefix("s3://").partition("/")
        url: str = self._s3.generate_presigned_url(
            "get_object", Params={"Bucket": bucket, "Key": key}, ExpiresIn=self._ttl_s
        )
        return url


class InMemoryMediaLinks:
    """Links for tests: the URI's key under a fixed base."""

    def __init__(self, base: str = "https://media.invalid/") -> None:
        self.base = base

    def link(self, uri: str) -> str:
        """The key under the base."""
        return self.base + uri.removeprefix("s3://").partition("/")[2]
