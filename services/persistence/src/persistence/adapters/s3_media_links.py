"""Presigned S3 links to a feedback's photos."""

from __future__ import annotations

from typing import Any


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
