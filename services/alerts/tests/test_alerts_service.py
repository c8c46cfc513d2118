"""The alerts service through its fakes: a new negative feedback reaches the destinations whose
rules match, once each; a re-tag does not alert; the API checks destinations and masks them;
an erasure reports the alerts' step."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import httpx
import pytest

from alerts.adapters.sql_alerts import SqlAlertStore
from alerts.bootstrap import AlertsAdapters, create_app
from alerts.recording_destinations import RecordingDestinations
from alerts.settings import AlertsSettings
from feedback_contracts import Envelope, ErasureRequested, ErasureStepDone, FeedbackTaggedV4, topics
from service_runtime.inprocess import InProcessBus

pytestmark = pytest.mark.unit
TOKEN = "s" * 16
AUTH = {"Authorization": f"Bearer {TOKEN}"}


def tagged(session: str, sentiment: str = "negative", *, retag: bool = False) -> Envelope:
    event = FeedbackTaggedV4(
        session_id=session,
        sender_id="whatsapp:+15550001",
        topics=["delivery"],
        sentiment=sentiment,  # type: ignore[arg-type]
        summary="late",
        tagger="offline",
        taxonomy_version=1,
        product_name="kettle",
        feedback_text="It came a week late",
        retag=retag,
    )
    return Envelope.wrap(event, source="insights", correlation_id="SM1")


class Running:
    def __init__(self, bus: InProcessBus, api: httpx.AsyncClient, sent: RecordingDestinations):
        self.bus, self.api, self.sent = bus, api, sent


@pytest.fixture
async def service(store: SqlAlertStore) -> AsyncIterator[Running]:
    bus, receivers = InProcessBus(), RecordingDestinations()
    settings = AlertsSettings(
        environment="local",
        kafka_bootstrap_servers="in-process",
        intelligence_api_secret=TOKEN,
        database_url="sqlite://",
        owner_page_url="https://owner.example/owner/",
        alert_trusted_private_hosts=["127.0.0.1"],
        alert_poll_s=0.05,
    )
    app = create_app(settings, bus=bus, adapters=AlertsAdapters(store, receivers))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://alerts") as api:
            yield Running(bus, api, receivers)


async def until_sent(running: Running, count: int) -> None:
    for _ in range(500):
        if len(running.sent.sent) >= count:
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"{len(running.sent.sent)} sent, {count} expected")


async def test_matching_feedback_reaches_each_matching_destination_once(service: Running) -> None:
    made = await service.api.post(
        "/alerts/destinations",
        headers=AUTH,
        json={"name": "cx", "kind": "webhook", "url": "http://127.0.0.1:9/in",
              "rule": {"sentiments": ["negative", "mixed"]}},
    )  # fmt: skip
    assert made.status_code == 201, made.text
    assert made.json()["signing_secret"].startswith("whsec_")
    assert made.json()["url"] == "http://127.0.0.1:9/…"  # a short path: nothing of it shown
    happy = await service.api.post(
        "/alerts/destinations",
        headers=AUTH,
        json={"name": "wins", "kind": "slack", "url": "http://127.0.0.1:9/wins",
              "rule": {"sentiments": ["positive"]}},
    )  # fmt: skip
    assert happy.status_code == 201
    await service.bus.publish(tagged("s1"))
    await service.bus.publish(tagged("s1"))  # redelivered
    await service.bus.publish(tagged("s2", retag=True))  # a backfill's re-tag
    await until_sent(service, 1)
    await asyncio.sleep(0.2)
    assert [d.alert["feedback_id"] for d in service.sent.sent] == ["s1"]
    (delivery,) = service.sent.sent
    assert delivery.destination_id == made.json()["id"] and delivery.kind == "webhook"
    listed = (await service.api.get("/alerts/deliveries", headers=AUTH)).json()
    assert [(d["feedback_id"], d["state"], d["attempts"]) for d in listed] == [
        ("s1", "delivered", 1)
    ]
    again = await service.api.post(f"/alerts/deliveries/{listed[0]['id']}/redeliver", headers=AUTH)
    assert again.status_code == 202
    await until_sent(service, 2)
    assert service.sent.sent[1].id == delivery.id  # the same id: a receiver drops it if it wants
    # a test: one attempt now of a sample alert, not recorded as a delivery
    trial = await service.api.post(f"/alerts/destinations/{made.json()['id']}/test", headers=AUTH)
    assert trial.json() == {"delivered": True, "status": 200, "error": None}
    assert service.sent.sent[-1].alert["feedback_id"] == "test"
    assert service.sent.sent[-1].id.startswith("msg_test_")
    listed = (await service.api.get("/alerts/deliveries", headers=AUTH)).json()
    assert len(listed) == 1
    # read back later, the secret and the URL stay hidden
    shown = (
        await service.api.get(f"/alerts/destinations/{made.json()['id']}", headers=AUTH)
    ).json()
    assert "signing_secret" not in shown and shown["url"] == "http://127.0.0.1:9/…"


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("not a url", "not an http(s) URL"),
        ("ftp://files.example/x", "not an http(s) URL"),
        ("http://hooks.example.com/x", "https only"),
        ("https://10.0.0.8/x", "non-public"),
        ("https://169.254.169.254/latest/meta-data", "non-public"),
        ("https://[::1]/x", "non-public"),
        ("https://localhost/x", "non-public"),
    ],
)
async def test_a_destination_that_is_not_a_safe_https_url_gets_422_naming_the_field(
    service: Running, url: str, reason: str
) -> None:
    answer = await service.api.post(
        "/alerts/destinations", headers=AUTH, json={"name": "x", "kind": "slack", "url": url}
    )
    assert answer.status_code == 422
    (detail,) = answer.json()["detail"]
    assert detail["loc"] == ["body", "url"] and reason in detail["msg"]


async def test_the_api_wants_the_token_and_well_formed_bodies(service: Running) -> None:
    assert (await service.api.get("/alerts/destinations")).status_code == 401
    wrong = {"name": "x", "kind": "email", "url": "https://x.example/"}
    assert (
        await service.api.post("/alerts/destinations", headers=AUTH, json=wrong)
    ).status_code == 422
    unknown = {"name": "x", "kind": "slack", "url": "https://x.example/", "rule": {"mood": 1}}
    answer = await service.api.post("/alerts/destinations", headers=AUTH, json=unknown)
    assert answer.status_code == 422
    assert (
        await service.api.delete("/alerts/destinations/dst_none", headers=AUTH)
    ).status_code == 404
    missing = await service.api.post("/alerts/deliveries/msg_none/redeliver", headers=AUTH)
    assert missing.status_code == 404


async def test_an_erasure_removes_the_customers_alerts_and_reports_the_step(
    service: Running, store: SqlAlertStore
) -> None:
    done = asyncio.Queue[Envelope]()
    listener = service.bus.subscribe("test", {topics.ERASURE_PROGRESS: done.put})
    listening = asyncio.create_task(listener.run())
    await service.api.post(
        "/alerts/destinations",
        headers=AUTH,
        json={"name": "all", "kind": "webhook", "url": "http://127.0.0.1:9/all"},
    )
    await service.bus.publish(tagged("s1"))
    await until_sent(service, 1)
    erasure = ErasureRequested(erasure_id="e1", sender_id="whatsapp:+15550001")
    await service.bus.publish(Envelope.wrap(erasure, source="persistence", correlation_id="e1"))
    step = (await asyncio.wait_for(done.get(), 10)).data
    listener.stop()
    await listening
    assert isinstance(step, ErasureStepDone)
    assert (step.step, step.erased) == ("alerts", {"alert_deliveries": 1})
    assert store.deliveries(state=None, destination_id=None, limit=10) == []
