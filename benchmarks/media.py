"""Copy a large file through the media service vs a plain download-and-upload with boto3.

Starts Kafka, moto server, the Twilio stand-in and the media service process by itself, copies
the same size of file both ways (median of several runs), watches the media process's memory,
stops everything and prints JSON as its last line.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import boto3
import requests
from aiokafka import AIOKafkaConsumer, TopicPartition
from common import memory_kib, reset_peak_memory, start_process, stop

from feedback_contracts import (
    Envelope,
    FeedbackCompleted,
    MediaReference,
    MediaStored,
    from_kafka,
    topics,
)
from harness.infrastructure import aws, kafka
from harness.processes import free_port
from service_runtime.admin import ensure_topics
from service_runtime.kafka_publisher import KafkaPublisher

ACCOUNT, TOKEN, BUCKET = "AC" + "3" * 32, "4" * 32, "bench-media"
PART_MB = 8


def video(size: int) -> bytes:
    """An MP4-looking file of `size` bytes (the media service checks the magic bytes)."""
    header = b"\x00\x00\x00\x18ftypmp42"
    return header + os.urandom(size - len(header))


def plain_copy(url: str, s3: object, key: str) -> float:
    """Download whole with requests, upload whole with boto3; seconds taken."""
    started = time.perf_counter()
    body = requests.get(url, auth=(ACCOUNT, TOKEN), timeout=60).content
    s3.put_object(Bucket=BUCKET, Key=key, Body=body, ContentType="video/mp4")  # type: ignore[attr-defined]
    return time.perf_counter() - started


async def service_copy(bootstrap: str, url: str, media_sid: str, message_sid: str) -> float:
    """Publish feedback-completed with the file; seconds until media-stored comes back."""
    completed = FeedbackCompleted(
        session_id=uuid.uuid4().hex,
        sender_id="whatsapp:+15550009999",
        product_name="p",
        feedback_text="f",
        completed_at=datetime.now(UTC),
        media=[
            MediaReference(
                message_sid=message_sid, media_sid=media_sid, url=url, content_type="video/mp4"
            )
        ],
    )
    # Listen before publishing, so the reader's start-up is not part of the measurement.
    reader = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await reader.start()
    partition = TopicPartition(topics.MEDIA_STORED, 0)
    reader.assign([partition])
    await reader.seek_to_end(partition)
    await reader.position(partition)
    publisher = KafkaPublisher(bootstrap, client_id="bench")
    await publisher.start()
    try:
        started = time.perf_counter()
        await publisher.publish(
            Envelope.wrap(completed, source="bench", correlation_id=message_sid)
        )
        async with asyncio.timeout(120):
            async for record in reader:
                event = from_kafka(record.value, list(record.headers)).data
                if isinstance(event, MediaStored) and event.media_sid == media_sid:
                    elapsed = time.perf_counter() - started
                    assert event.status == "stored", event.reason
                    return elapsed
    finally:
        await publisher.stop()
        await reader.stop()
    raise AssertionError("unreachable")


def main() -> None:
    """Run both copies `--runs` times and print the comparison."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size-mb", type=float, default=15)
    parser.add_argument("--runs", type=int, default=9)
    args = parser.parse_args()
    size = int(args.size_mb * 2**20)
    work = Path(tempfile.mkdtemp(prefix="bench-media-"))
    os.environ.update({"AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench"})
    twilio_port = free_port()
    stand_in = start_process(  # its own process, so serving never competes with either copy
        [
            sys.executable,
            "-m",
            "standins.twilio_api",
            "--port",
            str(twilio_port),
            "--account-sid",
            ACCOUNT,
            "--auth-token",
            TOKEN,
        ],
        env={},
        port=twilio_port,
        log=work / "twilio.log",
        what="Twilio stand-in",
    )
    api_url = f"http://localhost:{twilio_port}"
    with kafka(work / "kafka") as broker, aws(work / "aws") as local_aws:
        asyncio.run(ensure_topics(broker.address, partitions=1))
        s3 = boto3.client("s3", region_name="us-east-1", endpoint_url=local_aws.address)
        s3.create_bucket(Bucket=BUCKET)
        port = free_port()
        hosts = json.dumps(["localhost", "127.0.0.1"])
        any_port = json.dumps(["localhost:*", "127.0.0.1:*"])
        env = {
            "FLASK_ENV": "local",
            "KAFKA_BOOTSTRAP_SERVERS": broker.address,
            "AWS_ENDPOINT_URL": local_aws.address,
            "AWS_ACCESS_KEY_ID": "bench",
            "AWS_SECRET_ACCESS_KEY": "bench",
            "TWILIO_ACCOUNT_SID": ACCOUNT,
            "TWILIO_AUTH_TOKEN": TOKEN,
            "S3_BUCKET_NAME": BUCKET,
            "TWILIO_API_HOSTS": any_port,
            "MEDIA_CDN_HOSTS": any_port,
            "MEDIA_TRUSTED_PRIVATE_HOSTS": hosts,
            "MEDIA_PART_SIZE_MB": str(PART_MB),
            "HTTP_PORT": str(port),
            "HTTP_HOST": "127.0.0.1",
            "LOG_LEVEL": "WARNING",
        }
        media = start_process(
            [sys.executable, "-m", "media.main"],
            env=env,
            port=port,
            log=work / "media.log",
            what="media service",
        )
        try:
            plain, service, growth = [], [], []
            for run in range(-1, args.runs):  # run -1 warms both paths up and is not counted
                message_sid = "MM" + uuid.uuid4().hex
                path = requests.post(
                    f"{api_url}/_standin/media/{message_sid}",
                    data=video(size),
                    headers={"content-type": "video/mp4"},
                    timeout=60,
                ).json()["path"]
                url = api_url + path
                if run % 2:  # alternate which copy goes first, so neither gets a warmer moto
                    plain_s = plain_copy(url, s3, f"plain/{run}.mp4")
                reset_peak_memory(media.pid)
                rss_before = memory_kib(media.pid, "VmRSS")
                service_s = asyncio.run(
                    service_copy(broker.address, url, path.rsplit("/", 1)[-1], message_sid)
                )
                peak = memory_kib(media.pid, "VmHWM")
                if not run % 2:
                    plain_s = plain_copy(url, s3, f"plain/{run}.mp4")
                if run >= 0:
                    plain.append(plain_s)
                    service.append(service_s)
                    growth.append(peak - rss_before)
        finally:
            stop(media)
            stop(stand_in)
    mb = size / 2**20
    plain_mbps, service_mbps = mb / statistics.median(plain), mb / statistics.median(service)
    peak_growth_mb = max(growth) / 1024
    print(
        json.dumps(
            {
                "benchmark": "media",
                "file_mb": round(mb, 1),
                "runs": args.runs,
                "media_service_mb_per_s": round(service_mbps, 1),
                "plain_boto3_mb_per_s": round(plain_mbps, 1),
                "throughput_ratio": round(service_mbps / plain_mbps, 3),
                "media_process_peak_memory_growth_mb": round(peak_growth_mb, 1),
                "part_size_mb": PART_MB,
                "memory_budget_mb": 3 * PART_MB,
                "target_met": service_mbps >= 0.8 * plain_mbps and peak_growth_mb < 3 * PART_MB,
            }
        )
    )


if __name__ == "__main__":
    main()
