"""A taxonomy change re-tags every stored feedback through a resumable job: persistence and
insights as processes on real Kafka and PostgreSQL; persistence SIGKILLed mid-job resumes
after the last acknowledged batch, and a second change re-tags again."""

from __future__ import annotations

import asyncio
import collections
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from aiokafka import AIOKafkaConsumer
from sqlalchemy.orm import sessionmaker

from feedback_contracts import FeedbackCompleted, from_kafka, topics
from harness.postgres import fresh_database
from harness.processes import free_port
from harness.system import System, SystemConfig, provision
from persistence.adapters.sql_store import FeedbackStore

pytestmark = pytest.mark.integration
ROWS, BATCH = 400, 40
SESSIONS = {f"backfill-{n}" for n in range(ROWS)}
TEXTS = ("The lid leaks and the handle broke.", "The courier was two weeks late.", "Nice colour.")


@pytest.fixture
def system(
    kafka_bootstrap: str, postgres_url: str, aws_endpoint: str, tmp_path: Path
) -> Iterator[System]:
    config = SystemConfig(
        kafka=kafka_bootstrap,
        database_url=fresh_database(postgres_url, "backfill"),
        aws_endpoint=aws_endpoint,
        twilio_api="http://127.0.0.1:9",
        openai_api=None,
    )
    provision(config, tmp_path)
    engine = sa.create_engine(config.database_url)
    store = FeedbackStore(sessionmaker(engine, expire_on_commit=False))
    for n in range(ROWS):
        store.save_completed(
            FeedbackCompleted(
                session_id=f"backfill-{n}",
                sender_id=f"whatsapp:+1555{n:07d}",
                product_name="kettle",
                feedback_text=TEXTS[n % len(TEXTS)],
                completed_at=datetime.now(UTC),
            )
        )
    engine.dispose()
    running = System(config, tmp_path)
    for name in ("persistence", "insights"):
        running.urls[name] = f"http://127.0.0.1:{free_port()}"
    slow = {"BACKFILL_BATCH_SIZE": str(BATCH), "BACKFILL_PAUSE_S": "0.3", "BACKFILL_IDLE_S": "0.2"}
    running.start("persistence", env=slow)
    running.start("insights")
    for name in ("persistence", "insights"):
        running.wait_ready(name)
    try:
        yield running
    finally:
        running.stop()


def query(system: System, sql: str) -> list[Any]:
    engine = sa.create_engine(system.config.database_url)
    try:
        with engine.connect() as connection:
            return list(connection.execute(sa.text(sql)))
    finally:
        engine.dispose()


def wait(condition: Callable[[], bool], timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, what
        time.sleep(0.1)


def tags_at(system: System, version: int) -> dict[str, list[str]]:
    """This test's rows tagged from that taxonomy version (the broker and the insights group
    are shared with earlier tests, whose leftover feedback may be tagged here too)."""
    rows = query(
        system, f"select session_id, topics from feedback_tags where taxonomy_version = {version}"
    )
    return {row.session_id: list(row.topics) for row in rows if row.session_id in SESSIONS}


async def requested(kafka: str) -> collections.Counter[tuple[int, str]]:
    """Every tag request on the topic: (job, session) -> how often it was asked."""
    consumer = AIOKafkaConsumer(
        topics.TAG_REQUESTS, bootstrap_servers=kafka, auto_offset_reset="earliest"
    )
    await consumer.start()
    counts: collections.Counter[tuple[int, str]] = collections.Counter()
    try:
        batches = await consumer.getmany(timeout_ms=3000, max_records=100_000)
        while batches:
            for records in batches.values():
                for record in records:
                    event = from_kafka(record.value, list(record.headers)).data
                    counts[(event.job_id, event.session_id)] += 1  # type: ignore[attr-defined]
            batches = await consumer.getmany(timeout_ms=1000, max_records=100_000)
    finally:
        await consumer.stop()
    return counts


def test_a_killed_backfill_resumes_and_a_changed_taxonomy_retags(system: System) -> None:
    system.api("POST", "/topics", {"label": "quality", "description": "Defects, leaks, breakage."})
    (job,) = query(system, "select id, last_processed_id from jobs")
    # Killed once a few batches are recorded, so a restart from the first row would show.
    progress_sql = f"select last_processed_id from jobs where id = {job.id}"
    wait(lambda: query(system, progress_sql)[0][0] > 2 * BATCH, 60, "the backfill stalled")
    system.kill("persistence")
    (progress,) = query(system, f"select last_processed_id, status from jobs where id = {job.id}")
    assert progress.status == "processing" and progress.last_processed_id < ROWS  # mid-job
    system.start("persistence", env={"BACKFILL_BATCH_SIZE": str(BATCH)})
    system.wait_ready("persistence")
    wait(lambda: len(tags_at(system, 1)) == ROWS, 120, "not every row was re-tagged")
    wait(
        lambda: query(system, f"select status from jobs where id = {job.id}")[0][0] == "completed",
        30,
        "the job never completed",
    )
    first = tags_at(system, 1)
    assert (
        first["backfill-0"] == ["quality"]
        and first["backfill-1"] == []
        and first["backfill-2"] == []
    )

    # Resumed, not restarted: only the batch in flight at the kill can be asked twice.
    counts = asyncio.run(requested(system.config.kafka))
    per_job = [n for (job_id, s), n in counts.items() if job_id == job.id and s in SESSIONS]
    assert len(per_job) == ROWS  # every row asked for
    assert sum(per_job) - ROWS <= BATCH < progress.last_processed_id

    system.api("POST", "/topics", {"label": "delivery", "description": "Couriers, shipping."})
    version = system.api("GET", "/topics")["version"]
    wait(lambda: len(tags_at(system, version)) == ROWS, 120, "the second change did not re-tag")
    second = tags_at(system, version)
    assert second["backfill-0"] == ["quality"] and second["backfill-1"] == ["delivery"]
    assert second["backfill-2"] == []
