"""The analyzer's composition root wired with fakes on the in-process bus."""

from __future__ import annotations

import asyncio

import pytest

from analyzer.bootstrap import AnalyzerAdapters, create_app
from analyzer.memory_sessions import InMemorySessionStore
from analyzer.offline import OfflineVerdicts
from analyzer.settings import AnalyzerSettings
from feedback_contracts import Envelope, InboundMessage, ReplyRequested, topics
from service_runtime.inprocess import InProcessBus
from service_runtime.memory_consent import InMemoryConsentStore

pytestmark = pytest.mark.unit


async def test_a_greeting_is_answered_through_the_fakes() -> None:
    bus, replies = InProcessBus(), asyncio.Queue[Envelope]()
    listener = bus.subscribe("test", {topics.REPLY_REQUESTS: replies.put})
    listening = asyncio.create_task(listener.run())
    store = InMemorySessionStore()
    adapters = AnalyzerAdapters(store, OfflineVerdicts(), InMemoryConsentStore())
    settings = AnalyzerSettings(environment="local", kafka_bootstrap_servers="in-process")
    app = create_app(settings, bus=bus, adapters=adapters)
    async with app.router.lifespan_context(app):
        hello = InboundMessage(message_sid="SM1", sender_id="whatsapp:+15550001", body="Hi")
        await bus.publish(Envelope.wrap(hello, source="ingress", correlation_id="SM1"))
        reply = await asyncio.wait_for(replies.get(), 5)
    listener.stop()
    await listening
    assert isinstance(reply.data, ReplyRequested)
    assert reply.data.recipient == "whatsapp:+15550001" and reply.data.body
    assert store.sessions and store.chats
