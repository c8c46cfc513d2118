"""The insights service through its fakes: a completed feedback becomes a feedback-tagged event
with the active topics of the current taxonomy; the taxonomy is read from persistence's API."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import httpx
import pytest

from feedback_contracts import Envelope, FeedbackCompleted, FeedbackTagged, topics
from insights.adapters.persistence_taxonomy import PersistenceTaxonomy
from insights.bootstrap import InsightsAdapters, create_app
from insights.offline import OfflineTagger
from insights.settings import InsightsSettings
from insights.static_taxonomy import StaticTaxonomy
from insights.taxonomy import Topic
from service_runtime.failures import TransientError
from service_runtime.inprocess import InProcessBus

pytestmark = pytest.mark.unit
SHOP = [
    Topic(label="delivery", description="Shipping, couriers and delivery times."),
    Topic(label="quality", description="How well the product is made: defects, leaks, build."),
    Topic(label="price", description="Prices, value for money.", active=False),
]


def completed(text: str) -> Envelope:
    event = FeedbackCompleted(
        session_id="s1",
        sender_id="whatsapp:+15550001",
        product_name="kettle",
        feedback_text=text,
        completed_at=datetime.now(UTC),
    )
    return Envelope.wrap(event, source="analyzer", correlation_id="SM1")


async def test_a_completed_feedback_is_tagged_with_the_active_topics(
    offline_tagger: OfflineTagger,
) -> None:
    bus, tagged = InProcessBus(), asyncio.Queue[Envelope]()
    listener = bus.subscribe("test", {topics.FEEDBACK_TAGGED: tagged.put})
    listening = asyncio.create_task(listener.run())
    settings = InsightsSettings(
        environment="local", kafka_bootstrap_servers="in-process", intelligence_api_secret="s" * 16
    )
    adapters = InsightsAdapters(offline_tagger, StaticTaxonomy(SHOP, version=7))
    app = create_app(settings, bus=bus, adapters=adapters)
    async with app.router.lifespan_context(app):
        await bus.publish(completed("The courier was two weeks late and it is too expensive."))
        envelope = await asyncio.wait_for(tagged.get(), 10)
    listener.stop()
    await listening
    event = envelope.data
    assert isinstance(event, FeedbackTagged)
    assert event.topics == ["delivery"]  # price is not active
    assert event.sentiment == "negative" and event.taxonomy_version == 7
    assert event.tagger == "offline" and event.summary
    assert envelope.correlation_id == "SM1"


def taxonomy_api(calls: list[int], status: int = 200) -> httpx.MockTransport:
    def answer(request: httpx.Request) -> httpx.Response:
        calls.append(1)
        assert request.headers["authorization"] == "Bearer token"
        body = {
            "version": 3,
            "topics": [{"id": 1, "label": "delivery", "description": None, "active": True}],
        }
        return httpx.Response(status, json=body)

    return httpx.MockTransport(answer)


async def test_the_taxonomy_is_read_from_persistence_and_cached() -> None:
    calls: list[int] = []
    client = httpx.AsyncClient(transport=taxonomy_api(calls), base_url="http://persistence")
    source = PersistenceTaxonomy(client, token="token", max_age_s=60)
    first, second = await source.current(), await source.current()
    assert first == second and first.version == 3
    assert first.topics == (Topic(label="delivery", description="", active=True),)
    assert len(calls) == 1
    await source.close()


async def test_persistence_away_is_a_transient_failure() -> None:
    client = httpx.AsyncClient(transport=taxonomy_api([], 503), base_url="http://persistence")
    with pytest.raises(TransientError):
        await PersistenceTaxonomy(client, token="token", max_age_s=60).current()
