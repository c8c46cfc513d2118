"""Persistence's rules, each run against the in-memory fake and against the SQL store on
SQLite after `alembic upgrade head`, so the fake cannot drift from the store it stands for;
then the composition root wired with the fake on the in-process bus."""

from __future__ import annotations

import asyncio
import dataclasses
import re
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic import command
from fastapi.testclient import TestClient
from sqlalchemy.orm import sessionmaker

from feedback_contracts import (
    DeliveryStatus,
    DeliveryStatusV2,
    Envelope,
    FeedbackCompleted,
    FeedbackCompletedV2,
    FeedbackCompletedV3,
    FeedbackTagged,
    FeedbackTaggedV2,
    FeedbackTaggedV3,
    LlmUsage,
    MediaStored,
    ReplyFailed,
    ReplyFailedV2,
    ReplySentV2,
    ReplyText,
    TopicProposal,
)
from feedback_contracts.customers import subject_hash
from persistence.adapters.sql_store import FeedbackStore
from persistence.bootstrap import PersistenceAdapters, create_app
from persistence.insights import topic_counts
from persistence.memory_media_links import InMemoryMediaLinks
from persistence.memory_records import InMemoryFeedbackRecords
from persistence.migrate import alembic_config
from persistence.ratings import rating_summary
from persistence.records import FeedbackQuery, FeedbackRecords
from persistence.replies import reply_record
from persistence.settings import PersistenceSettings
from persistence.taxonomy import TopicExists
from persistence.timestamps import aware
from service_runtime.inprocess import InProcessBus

pytestmark = pytest.mark.unit
CUSTOMER = "whatsapp:+15550001"


@pytest.fixture(params=["in-memory", "sql"])
def records(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[FeedbackRecords]:
    if request.param == "in-memory":
        yield InMemoryFeedbackRecords()
        return
    url = f"sqlite:///{tmp_path / 'feedback.db'}"
    command.upgrade(alembic_config(url), "head")
    engine = sa.create_engine(url)
    yield FeedbackStore(sessionmaker(engine, expire_on_commit=False))
    engine.dispose()


def local_settings(**overrides: object) -> PersistenceSettings:
    """Persistence on SQLite and the in-process bus, with the API token `s` * 16."""
    values: dict[str, object] = {
        "environment": "local",
        "kafka_bootstrap_servers": "in-process",
        "database_url": "sqlite://",
        "intelligence_api_secret": "s" * 16,
    }
    return PersistenceSettings(**(values | overrides))  # type: ignore[arg-type]


def completed(session: str = "s1", product: str = "kettle", **usage: object) -> FeedbackCompleted:
    fields = {
        "session_id": session,
        "sender_id": CUSTOMER,
        "product_name": product,
        "feedback_text": "it leaks",
        "completed_at": datetime.now(UTC),
    }
    if usage:
        return FeedbackCompletedV2(**fields, llm_usage=LlmUsage.model_validate(usage))
    return FeedbackCompleted.model_validate(fields)


def fakes(records: FeedbackRecords) -> PersistenceAdapters:
    """The composition root's adapters, in memory."""
    return PersistenceAdapters(records, InMemoryMediaLinks())


def media(sid: str, status: str = "stored", session: str = "s1") -> MediaStored:
    return MediaStored(
        session_id=session,
        sender_id=CUSTOMER,
        message_sid="MM1",
        media_sid=sid,
        status=status,  # type: ignore[arg-type]
        s3_uri=f"s3://b/feedback-media/MM1/{sid}.jpg" if status == "stored" else None,
        reason=None if status == "stored" else "too big",
    )


def status(state: str, code: str | None = None) -> DeliveryStatus:
    return DeliveryStatus(
        message_sid="SM9", message_status=state, recipient=CUSTOMER, error_code=code
    )


def only_row(records: FeedbackRecords) -> object:
    rows, total = records.find(FeedbackQuery())
    assert total == 1
    return rows[0]


def test_a_session_is_one_row_however_often_it_completes(records: FeedbackRecords) -> None:
    records.save_completed(completed())
    records.save_completed(completed())
    row = only_row(records)
    assert row.session_id == "s1" and row.product_name == "kettle"  # type: ignore[attr-defined]


def test_media_attach_in_either_order_and_refused_media_do_not(records: FeedbackRecords) -> None:
    records.save_media(media("ME2"))
    records.save_completed(completed())
    records.save_media(media("ME1"))
    records.save_media(media("ME1"))
    records.save_media(media("ME3", status="refused"))
    assert only_row(records).media_urls == [  # type: ignore[attr-defined]
        "s3://b/feedback-media/MM1/ME1.jpg",
        "s3://b/feedback-media/MM1/ME2.jpg",
    ]


def test_the_llm_cost_is_kept_from_v2(records: FeedbackRecords) -> None:
    usage = {"model": "m", "input_tokens": 120, "output_tokens": 30, "estimated_cost_usd": 0.001}
    records.save_completed(completed(**usage))
    row = only_row(records)
    assert (row.llm_model, row.llm_input_tokens, row.llm_output_tokens) == ("m", 120, 30)  # type: ignore[attr-defined]


def test_statuses_only_move_forward_and_failures_are_final(records: FeedbackRecords) -> None:
    for state in ("delivered", "sent", "queued", "read", "sent"):
        records.save_delivery_status(status(state))
    assert [d.status for d in records.deliveries(CUSTOMER)] == ["read"]
    records.save_delivery_status(status("failed", "63016"))
    records.save_delivery_status(status("delivered"))
    (final,) = records.deliveries(CUSTOMER)
    assert (final.status, final.error_code) == ("failed", "63016")


def test_a_reply_never_sent_is_kept_once_with_its_reason(records: FeedbackRecords) -> None:
    failed = ReplyFailed(
        reply_id="r1", recipient=CUSTOMER, error_code="opted_out", error_message="", permanent=True
    )
    records.save_reply_failed(failed)
    records.save_reply_failed(failed)
    (kept,) = records.deliveries(CUSTOMER)
    assert (kept.message_key, kept.status, kept.error_code) == ("reply:r1", "failed", "opted_out")


def asked(reply_id: str = "SM1:reply", body: str = "Thanks! What do you think of it?") -> Any:
    """The reply a sent outcome (v2) carries."""
    answered = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
    sent = ReplySentV2(
        reply_id=reply_id,
        recipient=CUSTOMER,
        twilio_message_sids=["SM9"],
        reply=ReplyText(text=body, customer_message_at=answered),
    )
    return reply_record(sent)


def test_each_message_carries_its_reply_and_what_it_answers(records: FeedbackRecords) -> None:
    template = ReplyText(text="How was your order?", template_sid="HX" + "0" * 32)
    never = {"reply_id": "request-1", "recipient": CUSTOMER, "error_code": "63016"}
    failed = ReplyFailedV2(**never, error_message="", permanent=True, reply=template)
    records.save_replies([asked(), asked(), reply_record(failed)])  # redelivered: once
    sent = status("delivered").model_dump() | {"reply_id": "SM1:reply"}
    records.save_delivery_status(DeliveryStatusV2.model_validate(sent))
    records.save_delivery_status(status("read"))  # a later callback without the reply's id
    records.save_reply_failed(failed)
    by_key = {d.message_key: d for d in records.deliveries(CUSTOMER)}
    part, failed = by_key["SM9"], by_key["reply:request-1"]
    assert (part.reply_id, part.status, part.in_reply_to) == ("SM1:reply", "read", "SM1")
    assert part.text == "Thanks! What do you think of it?" and part.template_sid is None
    assert part.customer_message_at is not None  # SQLite keeps no offset: UTC's (`aware`)
    assert aware(part.customer_message_at) == datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
    assert (failed.text, failed.template_sid) == ("How was your order?", "HX" + "0" * 32)
    assert failed.in_reply_to is None


def test_find_filters_pages_and_takes_wildcards_literally(records: FeedbackRecords) -> None:
    for n, product in enumerate(("kettle", "toaster", "100% juice", "kettle pro")):
        records.save_completed(completed(f"s{n}", product))
    kettles, total = records.find(FeedbackQuery(product_name="KETTLE", limit=1))
    assert total == 2 and len(kettles) == 1
    assert [r.product_name for r in records.find(FeedbackQuery(product_name="%"))[0]] == [
        "100% juice"
    ]
    assert records.find(FeedbackQuery(sender_id="whatsapp:+1999"))[1] == 0
    # one feedback by its session id: what an alert's link names
    (one,), total = records.find(FeedbackQuery(session_id="s1"))
    assert total == 1 and one.product_name == "toaster"


async def test_the_composition_root_takes_the_fake() -> None:
    settings = local_settings()
    bus, records = InProcessBus(), InMemoryFeedbackRecords()
    app = create_app(settings, bus=bus, adapters=fakes(records))
    async with app.router.lifespan_context(app):
        await bus.publish(Envelope.wrap(completed(), source="analyzer", correlation_id="SM1"))
        async with asyncio.timeout(5):
            while not records.rows:
                await asyncio.sleep(0.01)
    with TestClient(app) as client:
        page = client.get("/feedback", headers={"Authorization": "Bearer " + "s" * 16}).json()
    assert [item["session_id"] for item in page["items"]] == ["s1"]


def tagged(version: int, *topics: str, session: str = "s1") -> FeedbackTagged:
    return FeedbackTagged(
        session_id=session,
        sender_id=CUSTOMER,
        topics=list(topics),
        sentiment="negative",
        summary="it leaks",
        tagger="offline",
        taxonomy_version=version,
    )


def test_tags_reach_the_row_in_either_order_and_never_go_back_a_version(
    records: FeedbackRecords,
) -> None:
    records.save_tags(tagged(2, "quality"))
    records.save_completed(completed())
    records.save_tags(tagged(1, "stale"))
    row = only_row(records)
    assert row.tags.topics == ["quality"] and row.tags.taxonomy_version == 2  # type: ignore[attr-defined]
    records.save_tags(tagged(3, "quality", "delivery"))
    assert only_row(records).tags.topics == ["quality", "delivery"]  # type: ignore[attr-defined]


def test_every_taxonomy_change_is_a_new_version(records: FeedbackRecords) -> None:
    assert records.taxonomy().version == 0
    first = records.create_topic(label="delivery", description="Shipping and couriers.")
    records.create_topic(label="quality", description="")
    assert records.taxonomy().version == 2
    records.change_topic(first.id, label="shipping", active=False)
    records.change_topic(first.id, label="shipping")  # no change, no version
    taxonomy = records.taxonomy()
    assert taxonomy.version == 4
    assert [(t.label, t.is_active) for t in taxonomy.topics] == [
        ("shipping", False),
        ("quality", True),
    ]
    assert records.change_topic(99, active=False) is None


def test_a_label_is_taken_whatever_its_case(records: FeedbackRecords) -> None:
    records.create_topic(label="Delivery", description="")
    other = records.create_topic(label="quality", description="")
    with pytest.raises(TopicExists):
        records.create_topic(label="delivery", description="")
    with pytest.raises(TopicExists):
        records.change_topic(other.id, label="DELIVERY")


def test_the_taxonomy_api_answers_bad_input_with_4xx() -> None:
    settings = local_settings()
    app = create_app(settings, bus=InProcessBus(), adapters=fakes(InMemoryFeedbackRecords()))
    auth = {"Authorization": "Bearer " + "s" * 16}
    with TestClient(app) as client:
        assert client.get("/topics").status_code == 401
        created = client.post("/topics", json={"label": "delivery"}, headers=auth)
        assert created.status_code == 201 and created.json()["active"] is True
        topic_id = created.json()["id"]
        assert client.post("/topics", json={"label": "Delivery"}, headers=auth).status_code == 409
        for bad in ({"label": ""}, {"label": "x" * 81}, {"label": "a\x00b"}, {"colour": "red"}):
            assert client.post("/topics", json=bad, headers=auth).status_code == 422, bad
        changed = client.patch(f"/topics/{topic_id}", json={"active": False}, headers=auth)
        assert changed.json()["active"] is False
        assert client.patch("/topics/99", json={"active": True}, headers=auth).status_code == 404
        assert client.patch("/topics/0", json={}, headers=auth).status_code == 422
        taxonomy = client.get("/topics", headers=auth).json()
        assert client.post("/topics/proposals/1/accept", headers=auth).status_code == 404
        assert client.post("/topics/proposals/1/maybe", headers=auth).status_code == 422
        app.state.records.save_tags(proposing("s9", "Delivery"))
        (proposal,) = client.get("/topics/proposals", headers=auth).json()
        accept = f"/topics/proposals/{proposal['id']}/accept"
        assert client.post(accept, headers=auth).status_code == 409  # the label is taken
    assert taxonomy["version"] == 2 and [t["label"] for t in taxonomy["topics"]] == ["delivery"]


def test_find_filters_by_topic_and_sentiment(records: FeedbackRecords) -> None:
    for n, (topics_, sentiment) in enumerate(
        ((["quality"], "negative"), (["quality", "delivery"], "mixed"), ([], "positive"))
    ):
        records.save_completed(completed(f"s{n}"))
        records.save_tags(
            FeedbackTagged(
                session_id=f"s{n}",
                sender_id=CUSTOMER,
                topics=topics_,
                sentiment=sentiment,  # type: ignore[arg-type]
                summary="x",
                tagger="offline",
                taxonomy_version=1,
            )
        )
    by_topic = records.find(FeedbackQuery(topic="quality"))[0]
    assert sorted(r.session_id for r in by_topic) == ["s0", "s1"]
    assert [r.session_id for r in records.find(FeedbackQuery(sentiment="mixed"))[0]] == ["s1"]
    assert records.find(FeedbackQuery(topic="qual"))[1] == 0  # a label, not a substring
    assert sorted(t.sentiment for t in records.tagged(FeedbackQuery())) == [
        "mixed",
        "negative",
        "positive",
    ]


def test_the_insights_api_counts_trends_and_exports() -> None:
    settings = local_settings()
    records = InMemoryFeedbackRecords()
    records.create_topic(label="quality", description="")
    for n, (product, topics_, sentiment) in enumerate(
        (
            ("kettle", ["quality"], "negative"),
            ("kettle", ["quality"], "positive"),
            ("toaster", [], "positive"),
        )
    ):
        records.save_completed(completed(f"s{n}", product))
        records.save_tags(tagged(1, *topics_, session=f"s{n}"))
        records.tags[f"s{n}"].sentiment = sentiment
    records.rows["s2"].feedback_text = "=HYPERLINK(evil)"
    auth = {"Authorization": "Bearer " + "s" * 16}
    with TestClient(create_app(settings, bus=InProcessBus(), adapters=fakes(records))) as client:
        counts = client.get("/insights/topics", headers=auth).json()
        trend = client.get("/insights/trend?weeks=4", headers=auth).json()
        latest = client.get("/insights/latest?per_topic=1", headers=auth).json()
        export = client.get("/insights/export.csv?product_name=toaster", headers=auth)
        assert client.get("/insights/topics?sentiment=angry", headers=auth).status_code == 422
        assert client.get("/insights/trend?weeks=0", headers=auth).status_code == 422
        assert client.get("/insights/topics").status_code == 401
    quality, none = counts["topics"]
    assert counts["tagged"] == 3
    assert quality["topic"] == "quality" and quality["total"] == 2
    assert quality["sentiments"]["negative"] == 1 and quality["products"] == {"kettle": 2}
    assert none["topic"] == "(no topic)" and none["products"] == {"toaster": 1}
    assert len(trend) == 4 and sum(week["positive"] for week in trend) == 2
    assert [item["session_id"] for item in latest["quality"]] == ["s1"]
    lines = export.text.splitlines()
    assert export.headers["content-type"].startswith("text/csv")
    assert lines[0].startswith("id,created_at,sender_id,product_name,feedback_text,topics")
    assert len(lines) == 2 and ",'=HYPERLINK(evil)," in lines[1]


def proposing(session: str, label: str) -> FeedbackTaggedV2:
    return FeedbackTaggedV2(
        session_id=session,
        sender_id=CUSTOMER,
        topics=[],
        sentiment="negative",
        summary="x",
        tagger="gpt-5-nano",
        taxonomy_version=0,
        proposal=TopicProposal(label=label, description="Boxes and wrapping."),
    )


def test_proposals_count_each_feedback_once_and_accepting_makes_a_topic(
    records: FeedbackRecords,
) -> None:
    for session in ("s1", "s2", "s2"):  # s2 redelivered
        records.save_tags(proposing(session, "packaging"))
    records.save_tags(proposing("s3", "Parking"))
    packaging, parking = records.proposals()
    assert (packaging.label, packaging.mentions) == ("packaging", 2)
    assert (parking.label, parking.mentions) == ("Parking", 1)
    assert records.settle_proposal(packaging.id, accept=True)
    assert records.settle_proposal(parking.id, accept=False)
    assert not records.settle_proposal(parking.id, accept=True)  # settled already
    assert records.proposals() == []
    taxonomy = records.taxonomy()
    assert [t.label for t in taxonomy.topics] == ["packaging"] and taxonomy.version == 1
    assert records.next_batch(10) is not None  # the accepted topic re-tags everything


def test_erasure_removes_only_the_customers_rows_and_completes_with_every_step(
    records: FeedbackRecords,
) -> None:
    other = "whatsapp:+15550002"
    records.save_completed(completed("s1"))
    records.save_media(media("ME1"))
    records.save_media(media("ME3", session="s3"))  # stored before its feedback row exists
    records.save_delivery_status(status("delivered"))
    theirs = dataclasses.replace(asked("SM2:reply"), recipient=other)
    records.save_replies([asked(), theirs])
    records.save_tags(tagged(1, "quality"))
    records.save_completed(completed("s2").model_copy(update={"sender_id": other}))
    records.save_media(media("ME2", session="s2").model_copy(update={"sender_id": other}))

    started = records.start_erasure(CUSTOMER)
    assert started.media_uris == [
        "s3://b/feedback-media/MM1/ME1.jpg",
        "s3://b/feedback-media/MM1/ME3.jpg",
    ]
    assert records.start_erasure(CUSTOMER).erasure.id == started.erasure.id  # still running
    erasure_id = started.erasure.id
    counts = records.erase_records(erasure_id, CUSTOMER)
    assert counts == {
        "deliveries": 1,
        "replies": 1,
        "feedback": 1,
        "feedback_tags": 1,
        "proposal_mentions": 0,
        "stored_media": 2,
    }
    assert records.erase_records(erasure_id, CUSTOMER)["feedback"] == 0  # idempotent
    rows, _ = records.find(FeedbackQuery())
    assert [row.sender_id for row in rows] == [other]
    assert rows[0].media_urls == ["s3://b/feedback-media/MM1/ME2.jpg"]
    assert records.deliveries(CUSTOMER) == []

    for step in ("conversations", "messaging"):
        assert records.record_erasure_step(erasure_id, step, {"items": 3})
    assert records.record_erasure_step(erasure_id, "messaging", {"items": 0})  # a rerun
    running = records.find_erasure(erasure_id)
    assert running is not None and running.status == "running"
    assert running.pending == ["media", "alerts"]
    records.record_erasure_step(erasure_id, "media", {"s3_objects": 2})
    records.record_erasure_step(erasure_id, "alerts", {"alert_deliveries": 1})
    done = records.find_erasure(erasure_id)
    assert done is not None and done.status == "completed" and done.completed_at is not None
    assert done.steps["messaging"] == {"items": 3} and done.steps["records"]["feedback"] == 1
    assert CUSTOMER not in repr(done) and done.subject_hash == subject_hash(CUSTOMER)
    assert records.start_erasure(CUSTOMER).erasure.id != erasure_id  # a new one after that
    assert not records.record_erasure_step("no-such-erasure", "media", {})


def test_the_erasure_api_starts_reports_and_refuses_what_is_not_a_customer() -> None:
    settings = local_settings()
    records = InMemoryFeedbackRecords()
    records.save_completed(completed())
    app = create_app(settings, bus=InProcessBus(), adapters=fakes(records))
    auth = {"Authorization": "Bearer " + "s" * 16}
    with TestClient(app) as client:
        assert client.delete(f"/customers/{CUSTOMER}").status_code == 401
        for bad in ("not-a-number", "whatsapp:+1" + "5" * 20, "%00"):
            assert client.delete(f"/customers/{bad}", headers=auth).status_code == 422, bad
        started = client.delete(f"/customers/{CUSTOMER}", headers=auth)
        assert started.status_code == 202
        body = started.json()
        assert started.headers["location"] == f"/erasures/{body['id']}"
        assert body["subject_hash"] == subject_hash(CUSTOMER) and CUSTOMER not in started.text
        deadline = time.monotonic() + 5
        while "records" in client.get(started.headers["location"], headers=auth).json()["pending"]:
            assert time.monotonic() < deadline, "persistence never did its own step"
            time.sleep(0.05)
        report = client.get(started.headers["location"], headers=auth).json()
        assert report["steps"]["records"]["feedback"] == 1 and report["status"] == "running"
        unknown = "00000000-0000-0000-0000-000000000000"
        assert client.get(f"/erasures/{unknown}", headers=auth).status_code == 404
        assert client.get("/erasures/x", headers=auth).status_code == 422
    assert records.find(FeedbackQuery()) == ([], 0)


def test_every_body_of_the_owners_api_waits_for_the_token_and_is_bounded() -> None:
    settings = local_settings(max_body_bytes=64 * 1024)
    app = create_app(settings, bus=InProcessBus(), adapters=fakes(InMemoryFeedbackRecords()))
    auth = {"Authorization": "Bearer " + "s" * 16}
    big = b'{"label": "' + b"x" * 10 * 2**20 + b'"}'
    with TestClient(app) as client:
        assert client.post("/topics", content=big).status_code == 401
        assert client.patch("/topics/1", content=big).status_code == 401
        assert client.post("/topics", content=big, headers=auth).status_code == 413
        assert client.post("/topics", json={"label": "delivery"}, headers=auth).status_code == 201


def test_feedback_requests_are_queued_once_per_recipient_and_order_and_name_bad_fields() -> None:
    settings = local_settings()
    bus = InProcessBus()
    app = create_app(settings, bus=bus, adapters=fakes(InMemoryFeedbackRecords()))
    auth = {"Authorization": "Bearer " + "s" * 16}
    ask = {"to": "+15550001", "product": "Acme kettle", "order_ref": "A-1"}
    with TestClient(app) as client:
        assert client.post("/feedback-requests", json={"recipients": [ask]}).status_code == 401
        for bad, field in (
            ({"recipients": []}, "recipients"),
            ({"recipients": [{**ask, "to": "not a number"}]}, "to"),
            ({"recipients": [{**ask, "product": "x" * 301}]}, "product"),
            ({"recipients": [{**ask, "order_ref": "a\x00b"}]}, "order_ref"),
            ({"recipients": [{**ask, "colour": "red"}]}, "colour"),
        ):
            answer = client.post("/feedback-requests", json=bad, headers=auth)
            assert answer.status_code == 422, bad
            named = {str(part) for error in answer.json()["detail"] for part in error["loc"]}
            assert field in named, answer.json()
        other = {"to": "whatsapp:+15550002"}
        queued = client.post(
            "/feedback-requests", json={"recipients": [ask, ask, other]}, headers=auth
        )
        again = client.post("/feedback-requests", json={"recipients": [ask]}, headers=auth)
    assert queued.status_code == 202
    ids = [r["request_id"] for r in queued.json()["requests"]]
    assert len(ids) == 2 and again.json()["requests"][0]["request_id"] == ids[0]
    assert queued.json()["requests"][0]["to"] == "whatsapp:+15550001"


RFC3339 = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$")


def test_every_time_the_api_writes_has_an_offset(records: FeedbackRecords) -> None:
    records.save_completed(completed())
    records.save_tags(tagged(1))
    records.save_replies([asked()])
    sent = status("sent").model_dump() | {"reply_id": "SM1:reply"}
    records.save_delivery_status(DeliveryStatusV2.model_validate(sent))
    auth = {"Authorization": "Bearer " + "s" * 16}
    app = create_app(local_settings(), bus=InProcessBus(), adapters=fakes(records))
    with TestClient(app) as client:
        (row,) = client.get("/feedback", headers=auth).json()["items"]
        (reply,) = client.get("/replies", params={"recipient": CUSTOMER}, headers=auth).json()
        export = client.get("/insights/export.csv", headers=auth).text.splitlines()
    times = [row["created_at"], row["updated_at"], row["completed_at"], row["tags"]["tagged_at"]]
    times += [reply["updated_at"], reply["customer_message_at"], export[1].split(",")[1]]
    assert [t for t in times if not RFC3339.match(t)] == []
    assert {key: reply[key] for key in ("reply_id", "text", "template_sid", "in_reply_to")} == {
        "reply_id": "SM1:reply",
        "text": "Thanks! What do you think of it?",
        "template_sid": None,
        "in_reply_to": "SM1",
    }


def test_feedback_in_a_language_the_tagger_cannot_read_is_counted_apart(
    records: FeedbackRecords,
) -> None:
    for session, understood in (("s1", True), ("s2", False)):
        records.save_completed(completed(session))
        unread = {"language": "fr", "language_understood": understood}
        event = tagged(1, session=session).model_dump() | unread
        records.save_tags(FeedbackTaggedV3.model_validate(event))
    counts = {c.topic: c.total for c in topic_counts(records.tagged(FeedbackQuery()))}
    assert counts == {"(no topic)": 1, "not tagged: language": 1}
    (row, _), _ = records.find(FeedbackQuery(sender_id=CUSTOMER, limit=2))
    assert row.tags is not None and row.tags.language == "fr"


def rated(session: str, product: str, rating: int | None) -> FeedbackCompletedV3:
    usage = LlmUsage(model=None, input_tokens=0, output_tokens=0, estimated_cost_usd=0)
    fields = completed(session, product).model_dump()
    return FeedbackCompletedV3(**fields, llm_usage=usage, rating=rating)


def test_ratings_are_stored_and_summarized_per_product_topic_and_week(
    records: FeedbackRecords,
) -> None:
    for n, (product, topics_, rating) in enumerate(
        (("kettle", ["quality"], 2), ("kettle", ["quality", "price"], 5), ("toaster", [], 4))
    ):
        records.save_completed(rated(f"s{n}", product, rating))
        records.save_tags(tagged(1, *topics_, session=f"s{n}"))
    records.save_completed(rated("s3", "kettle", None))  # no rating given: left out
    records.save_tags(tagged(1, "quality", session="s3"))
    records.save_completed(completed("s4", "kettle"))  # v1: before ratings
    rows, _ = records.find(FeedbackQuery())
    assert sorted((row.session_id, row.rating) for row in rows)[:3] == [
        ("s0", 2),
        ("s1", 5),
        ("s2", 4),
    ]
    assert {row.session_id: row.rating for row in rows}.keys() >= {"s3", "s4"}
    assert all(row.rating is None for row in rows if row.session_id in ("s3", "s4"))
    today = datetime.now(UTC).date()
    summary = rating_summary(records.tagged(FeedbackQuery()), weeks=3, today=today)
    assert (summary.overall.rated, summary.overall.average) == (3, 3.67)
    assert summary.overall.distribution == {"1": 0, "2": 1, "3": 0, "4": 1, "5": 1}
    by_product = {c.name: (c.rated, c.average) for c in summary.products}
    assert by_product == {"kettle": (2, 3.5), "toaster": (1, 4.0)}
    by_topic = {c.name: (c.rated, c.average) for c in summary.topics}
    assert by_topic == {"quality": (2, 3.5), "price": (1, 5.0), "(no topic)": (1, 4.0)}
    assert [(w.rated, w.average) for w in summary.weekly] == [(0, None), (0, None), (3, 3.67)]


def test_the_ratings_api_follows_the_filters_and_the_export_carries_the_rating() -> None:
    records = InMemoryFeedbackRecords()
    for n, (product, rating) in enumerate((("kettle", 2), ("kettle", 4), ("toaster", 5))):
        records.save_completed(rated(f"s{n}", product, rating))
        records.save_tags(tagged(1, session=f"s{n}"))
    auth = {"Authorization": "Bearer " + "s" * 16}
    app = create_app(local_settings(), bus=InProcessBus(), adapters=fakes(records))
    with TestClient(app) as client:
        kettles = client.get("/insights/ratings?product_name=kettle", headers=auth).json()
        everything = client.get("/insights/ratings?weeks=1", headers=auth).json()
        export = client.get("/insights/export.csv?product_name=toaster", headers=auth).text
        one = client.get("/feedback?product_name=toaster", headers=auth).json()["items"][0]
        assert client.get("/insights/ratings?weeks=0", headers=auth).status_code == 422
    assert kettles["overall"]["average"] == 3.0 and kettles["overall"]["rated"] == 2
    assert [p["name"] for p in everything["products"]] == ["kettle", "toaster"]
    assert len(everything["weekly"]) == 1 and everything["weekly"][0]["rated"] == 3
    header, row = export.splitlines()
    assert header.endswith(",rating") and row.endswith(",5")
    assert one["rating"] == 5
