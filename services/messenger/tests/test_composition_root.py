"""The messenger's composition root wired with fakes on the in-process bus."""

from __future__ import annotations

import asyncio

import pytest

from feedback_contracts import Envelope, ReplyRequested, ReplySent, topics
from messenger.bootstrap import MessengerAdapters, create_app
from messenger.memory_ledger import InMemorySendLedger
from messenger.recording_sender import RecordingSender
from messenger.settings import MessengerSettings
from service_runtime.inprocess import InProcessBus
from service_runtime.memory_consent import InMemoryConsentStore

pytestmark = pytest.mark.unit


async def test_a_reply_request_is_sent_through_the_fakes() -> None:
    bus, outcomes = InProcessBus(), asyncio.Queue[Envelope]()
    listener = bus.subscribe("test", {topics.REPLY_OUTCOMES: outcomes.put})
    listening = asyncio.create_task(listener.run())
    sender = RecordingSender()
    adapters = MessengerAdapters(sender, InMemorySendLedger(), InMemoryConsentStore())
    settings = MessengerSettings(
        environment="local",
        kafka_bootstrap_servers="in-process",
        twilio_account_sid="AC" + "0" * 32,
        twilio_auth_token="t" * 32,
        twilio_whatsapp_from="whatsapp:+14155238886",
    )
    app = create_app(settings, bus=bus, adapters=adapters)
    async with app.router.lifespan_context(app):
        request = ReplyRequested(
            reply_id="SM1:reply", session_id="s1", recipient="whatsapp:+15550001", body="Thanks!"
        )
        await bus.publish(Envelope.wrap(request, source="analyzer", correlation_id="SM1"))
        outcome = await asyncio.wait_for(outcomes.get(), 5)
    listener.stop()
    await listening
    assert isinstance(outcome.data, ReplySent)
    assert [(to, body) for to, _, body, _ in sender.sent] == [("whatsapp:+15550001", "Thanks!")]
