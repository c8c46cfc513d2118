"""Writing media to S3: multipart streaming, one part in memory at a time."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Protocol

from botocore.exceptions import ClientError


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


class S3MediaSink:
    """S3 (or moto) with multipart uploads of `part_size` bytes."""

    def __init__(self, s3: Any, *, bucket: str, part_size: int) -> None:
        self._s3 = s3
        self._bucket = bucket
        self._part_size = part_size

    def find(self, key: str) -> StoredObject | None:
        """The object if an earlier delivery already stored it."""
        try:
            head = self._s3.head_object(Bucket=self._bucket, Key=key)
        except ClientError as error:
            if error.response["Error"]["Code"] in ("404", "NoSuchKey", "NotFound"):
                return None
            raise
        tags = self._s3.get_object_tagging(Bucket=self._bucket, Key=key)["TagSet"]
        sha256 = next((tag["Value"] for tag in tags if tag["Key"] == "sha256"), "")
        return StoredObject(self._bucket, key, head["ContentType"], head["ContentLength"], sha256)

    def write(self, key: str, content_type: str, chunks: Iterable[bytes]) -> StoredObject:
        """Stream chunks into the object; small files in one PUT, large ones in parts."""
        digest, size, buffer = hashlib.sha256(), 0, bytearray()
        upload_id: str | None = None
        parts: list[dict[str, Any]] = []
        try:
            for chunk in chunks:
                digest.update(chunk)
                size += len(chunk)
                buffer += chunk
                if len(buffer) >= self._part_size:
                    upload_id = upload_id or self._start(key, content_type)
                    parts.append(self._part(key, upload_id, len(parts) + 1, bytes(buffer)))
                    buffer.clear()
            if upload_id is None:
                self._s3.put_object(
                    Bucket=self._bucket,
                    Key=key,
                    Body=bytes(buffer),
                    ContentType=content_type,
                    Tagging=f"sha256={digest.hexdigest()}",
                )
            else:
                if buffer:
                    parts.append(self._part(key, upload_id, len(parts) + 1, bytes(buffer)))
                self._s3.complete_multipart_upload(
                    Bucket=self._bucket,
                    Key=key,
                    UploadId=upload_id,
                    MultipartUpload={"Parts": parts},
                )
                self._s3.put_object_tagging(  # the checksum is known only at the end
                    Bucket=self._bucket,
                    Key=key,
                    Tagging={"TagSet": [{"Key": "sha256", "Value": digest.hexdigest()}]},
                )
        except BaseException:
            if upload_id is not None:
                self._s3.abort_multipart_upload(Bucket=self._bucket, Key=key, UploadId=upload_id)
            raise
        return StoredObject(self._bucket, key, content_type, size, digest.hexdigest())

    def _start(self, key: str, content_type: str) -> str:
        created = self._s3.create_multipart_upload(
            Bucket=self._bucket, Key=key, ContentType=content_type
        )
        return str(created["UploadId"])

    def _part(self, key: str, upload_id: str, number: int, body: bytes) -> dict[str, Any]:
        answer = self._s3.upload_part(
            Bucket=self._bucket, Key=key, UploadId=upload_id, PartNumber=number, Body=body
        )
        return {"PartNumber": number, "ETag": answer["ETag"]}
