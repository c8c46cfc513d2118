"""The media sink on S3: multipart uploads through boto3's transfer manager."""

from __future__ import annotations

import hashlib
import io
from collections.abc import Iterable, Iterator
from typing import Any

from boto3.s3.transfer import TransferConfig, create_transfer_manager
from botocore.exceptions import ClientError

from media.sink import StoredObject, keys_in


class _HashingReader(io.RawIOBase):
    """A file object over an iterator of chunks that hashes and counts what is read."""

    def __init__(self, chunks: Iterable[bytes]) -> None:
        self._chunks: Iterator[bytes] = iter(chunks)
        self._pending = b""
        self.digest = hashlib.sha256()
        self.size = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        while not self._pending:
            chunk = next(self._chunks, None)
            if chunk is None:
                return 0
            self._pending = chunk
        count = min(len(buffer), len(self._pending))
        buffer[:count] = self._pending[:count]
        self.digest.update(self._pending[:count])
        self._pending = self._pending[count:]
        self.size += count
        return count


class S3MediaSink:
    """S3 (or moto): files over `part_size` go in parts, two in flight, two in memory."""

    def __init__(self, s3: Any, *, bucket: str, part_size: int) -> None:
        self._s3 = s3
        self._bucket = bucket
        config = TransferConfig(
            multipart_threshold=part_size, multipart_chunksize=part_size, max_concurrency=2
        )
        config.max_in_memory_upload_chunks = 2  # bounds the read-ahead of a stream
        self._uploads = create_transfer_manager(s3, config)  # one thread pool, reused

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
        """Stream the chunks into the object, then tag it with the checksum seen on the way."""
        reader = _HashingReader(chunks)
        self._uploads.upload(
            io.BufferedReader(reader, 1 << 20),
            self._bucket,
            key,
            extra_args={"ContentType": content_type},
        ).result()
        sha256 = reader.digest.hexdigest()
        self._s3.put_object_tagging(
            Bucket=self._bucket, Key=key, Tagging={"TagSet": [{"Key": "sha256", "Value": sha256}]}
        )
        return StoredObject(self._bucket, key, content_type, reader.size, sha256)

    def read(self, key: str) -> bytes:
        """The object's bytes."""
        body: bytes = self._s3.get_object(Bucket=self._bucket, Key=key)["Body"].read()
        return body

    def erase(self, prefix: str, uris: Iterable[str]) -> int:
        """List the prefix, add the named objects that exist, delete them 1,000 a request."""
        keys = [
            item["Key"]
            for page in self._s3.get_paginator("list_objects_v2").paginate(
                Bucket=self._bucket, Prefix=prefix
            )
            for item in page.get("Contents", [])
        ]
        keys += [key for key in keys_in(self._bucket, uris) if key not in keys and self.find(key)]
        for start in range(0, len(keys), 1000):
            batch = [{"Key": key} for key in keys[start : start + 1000]]
            answer = self._s3.delete_objects(
                Bucket=self._bucket, Delete={"Objects": batch, "Quiet": True}
            )
            if answer.get("Errors"):
                first = answer["Errors"][0]
                raise RuntimeError(f"S3 refused deleting {len(answer['Errors'])}: {first['Code']}")
        return len(keys)

    def close(self) -> None:
        """Stop the upload threads."""
        self._uploads.shutdown()
