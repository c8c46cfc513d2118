"""persistence on a real PostgreSQL: migrations, idempotent writes in any order, the read API."""

from __future__ import annotations

import random
import threading
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any

import pytest
import sqlalchemy as sa
from alembic import command
from fastapi.testclient import TestClient
from sqlalchemy.orm import sessionmaker

from feedback_contracts import (
    FeedbackCompleted,
    FeedbackCompletedV2,
    FeedbackTagged,
    LlmUsage,
    MediaStored,
)
from harness.postgres import fresh_database
from persistence.adapters.sql_store import FeedbackStore
from persistence.bootstrap import create_app
from persistence.migrate import alembic_config
from persistence.models import Feedback
from persistence.records import FeedbackQuery
from persistence.settings import PersistenceSettings

pytestmark = pytest.mark.integration
SECRET = "read-api-secret"


@pytest.fixture
def database(postgres_url: str) -> Iterator[str]:
    """A fresh database on the real server, dropped afterwards."""
    url = fresh_database(postgres_url)
    name = url.rsplit("/", 1)[1]
    admin = sa.create_engine(postgres_url, isolation_level="AUTOCOMMIT")
    yield url
    with admin.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def store(database: str) -> Iterator[FeedbackStore]:
    command.upgrade(alembic_config(database), "head")
    engine = sa.create_engine(database)
    yield FeedbackStore(sessionmaker(engine, expire_on_commit=False))
    engine.dispose()


def tables(url: str) -> set[str]:
    engine = sa.create_engine(url)
    try:
        return set(sa.inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_upgrade_downgrade_upgrade(database: str) -> None:
    config = alembic_config(database)
    command.upgrade(config, "head")
    assert {"users", "feedback", "jobs", "job_configs", "topics", "stored_media"} <= tables(
        database
    )
    command.downgrade(config, "base")
    assert tables(database) == {"alembic_version"}
    command.upgrade(config, "head")
    assert "feedback" in tables(database)


def completed(session_id: str, sender: str = "whatsapp:+15550001111") -> FeedbackCompleted:
    return FeedbackCompleted(
        session_id=session_id,
        sender_id=sender,
        product_name="Acme kettle",
        feedback_text="Boils fast",
        completed_at=datetime.now(UTC),
    )


def stored(session_id: str, media_sid: str) -> MediaStored:
    return MediaStored(
        session_id=session_id,
        sender_id="whatsapp:+15550001111",
        message_sid="MM1",
        media_sid=media_sid,
        status="stored",
        s3_uri=f"s3://bucket/feedback-media/MM1/{media_sid}.jpg",
        content_type="image/jpeg",
        size_bytes=10,
        sha256="ab" * 32,
    )


def rows(store: FeedbackStore, session_id: str) -> list[Feedback]:
    found, _ = store.find(FeedbackQuery(limit=200))
    return [row for row in found if row.session_id == session_id]


def test_events_in_reverse_order_give_one_complete_row(store: FeedbackStore) -> None:
    session = uuid.uuid4().hex
    store.save_media(stored(session, "ME2"))
    store.save_media(stored(session, "ME1"))
    store.save_completed(completed(session))
    (row,) = rows(store, session)
    assert row.media_urls == [
        "s3://bucket/feedback-media/MM1/ME1.jpg",
        "s3://bucket/feedback-media/MM1/ME2.jpg",
    ]


def test_redelivered_events_duplicate_nothing(store: FeedbackStore) -> None:
    session = uuid.uuid4().hex
    store.save_completed(completed(session))
    for _ in range(2):
        store.save_media(stored(session, "ME1"))
        store.save_completed(completed(session))
    (row,) = rows(store, session)
    assert row.media_urls == ["s3://bucket/feedback-media/MM1/ME1.jpg"]


def test_refused_media_is_not_a_media_url(store: FeedbackStore) -> None:
    session = uuid.uuid4().hex
    refused = stored(session, "ME9").model_copy(
        update={"status": "refused", "s3_uri": None, "reason": "image/jpeg over 5242880 bytes"}
    )
    store.save_completed(completed(session))
    store.save_media(refused)
    (row,) = rows(store, session)
    assert row.media_urls == []


def api_settings(database: str, kafka_bootstrap: str) -> PersistenceSettings:
    """The service on the migrated test database."""
    command.upgrade(alembic_config(database), "head")
    return PersistenceSettings(
        environment="local",
        kafka_bootstrap_servers=kafka_bootstrap,
        database_url=database,
        intelligence_api_secret=SECRET,
    )


def test_read_api(database: str, kafka_bootstrap: str) -> None:
    settings = api_settings(database, kafka_bootstrap)
    # The service's consumer may also write rows from earlier tests' events: filter by customer.
    customer = f"whatsapp:+1444{uuid.uuid4().int % 10**7:07d}"
    with TestClient(create_app(settings)) as client:
        store: FeedbackStore = client.app.state.records  # type: ignore[attr-defined]
        for index in range(3):
            store.save_completed(completed(f"session-{uuid.uuid4().hex}-{index}", customer))
        auth = {"Authorization": f"Bearer {SECRET}"}
        mine = {"sender_id": customer}
        assert client.get("/feedback").status_code == 401
        page = client.get("/feedback", params={**mine, "limit": 2}, headers=auth).json()
        assert (page["total"], len(page["items"]), page["next_offset"]) == (3, 2, 2)
        rest = client.get("/feedback", params={**mine, "limit": 2, "offset": 2}, headers=auth)
        assert len(rest.json()["items"]) == 1 and rest.json()["next_offset"] is None
        one = client.get(f"/feedback/{rest.json()['items'][0]['id']}", headers=auth).json()
        assert (one["product_name"], one["sender_id"]) == ("Acme kettle", customer)
        assert client.get("/feedback/999999", headers=auth).status_code == 404
        filtered = client.get(
            "/feedback", params={**mine, "product_name": "kettle"}, headers=auth
        ).json()
        assert filtered["total"] == 3
        nobody = client.get("/feedback", params={"sender_id": "nobody"}, headers=auth)
        assert nobody.json()["total"] == 0
        wildcard = client.get("/feedback", params={**mine, "product_name": "%"}, headers=auth)
        assert wildcard.json()["total"] == 0  # LIKE's wildcards are literal
        assert client.get("/feedback", headers={"Authorization": SECRET}).status_code == 401


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/feedback", {"offset": "9223372036854775808"}),  # past bigint
        ("/feedback", {"since": "2021-03-27T10:29:36+22:52"}),  # an offset PostgreSQL refuses
        ("/feedback", {"until": "9999-12-31T23:59:59-10:00"}),  # past year 9999 in UTC
        ("/feedback", {"sender_id": "whatsapp:+1555\x000001"}),  # NUL
        ("/feedback", {"product_name": "k" * 301}),
        ("/feedback/9223372036854775808", {}),
        ("/feedback/0", {}),
    ],
)
def test_bad_input_to_the_read_api_is_4xx_never_5xx(
    database: str, kafka_bootstrap: str, path: str, params: dict[str, str]
) -> None:
    settings = api_settings(database, kafka_bootstrap)
    with TestClient(create_app(settings)) as client:
        answer = client.get(path, params=params, headers={"Authorization": f"Bearer {SECRET}"})
    assert answer.status_code == 422, answer.text


def test_llm_usage_of_v2_events_is_stored_and_v1_events_keep_the_defaults(
    store: FeedbackStore,
) -> None:
    v1, v2 = uuid.uuid4().hex, uuid.uuid4().hex
    usage = LlmUsage(
        model="gpt-5-nano", input_tokens=1800, output_tokens=240, estimated_cost_usd=0.000186
    )
    store.save_completed(completed(v1))
    store.save_completed(FeedbackCompletedV2(**completed(v2).model_dump(), llm_usage=usage))
    (old,) = rows(store, v1)
    (new,) = rows(store, v2)
    assert (old.llm_model, old.llm_input_tokens, old.llm_output_tokens) == (None, 0, 0)
    assert (new.llm_model, new.llm_input_tokens, new.llm_output_tokens) == ("gpt-5-nano", 1800, 240)
    assert float(new.llm_cost_usd) == pytest.approx(0.000186)


def test_concurrent_writers_of_one_session_always_leave_every_media_uri(
    store: FeedbackStore,
) -> None:
    sessions = [uuid.uuid4().hex for _ in range(40)]
    writes = [(store.save_completed, completed(s)) for s in sessions]
    writes += [(store.save_media, stored(s, f"ME{s[:6]}{n}")) for s in sessions for n in range(3)]
    random.Random(7).shuffle(writes)
    barrier = threading.Barrier(8)

    def write(chunk: list[tuple[Callable[[Any], None], Any]]) -> None:
        barrier.wait()
        for save, event in chunk:
            save(event)

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(write, [writes[i::8] for i in range(8)]))
    for session in sessions:
        (row,) = rows(store, session)
        assert len(row.media_urls) == 3, session


def test_topic_and_sentiment_filters_on_postgresql(store: FeedbackStore) -> None:
    for n, topics_ in enumerate((["quality"], ["quality", "delivery"], [])):
        store.save_completed(
            FeedbackCompleted(
                session_id=f"s{n}",
                sender_id="whatsapp:+15550001",
                product_name="kettle",
                feedback_text="x",
                completed_at=datetime.now(UTC),
            )
        )
        store.save_tags(
            FeedbackTagged(
                session_id=f"s{n}",
                sender_id="whatsapp:+15550001",
                topics=topics_,
                sentiment="negative" if n else "positive",
                summary="x",
                tagger="offline",
                taxonomy_version=1,
            )
        )
    rows, total = store.find(FeedbackQuery(topic="quality", sentiment="negative"))
    assert total == 1 and rows[0].session_id == "s1" and rows[0].tags is not None
    assert rows[0].tags.topics == ["quality", "delivery"]
    assert store.find(FeedbackQuery(topic="deliver"))[1] == 0
    assert len(store.tagged(FeedbackQuery(product_name="kettle"))) == 3


def test_racing_erasure_requests_for_one_customer_open_one_erasure(store: FeedbackStore) -> None:
    customers = [f"whatsapp:+1555{n:07d}" for n in range(10)]
    barrier = threading.Barrier(8)

    def start(_: int) -> list[str]:
        barrier.wait()
        return [store.start_erasure(customer).erasure.id for customer in customers]

    with ThreadPoolExecutor(8) as pool:
        started = list(pool.map(start, range(8)))
    for index in range(len(customers)):
        assert len({ids[index] for ids in started}) == 1  # one running erasure each
