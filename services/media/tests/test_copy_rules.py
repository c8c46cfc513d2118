"""Media's rules through its fakes: where a copy goes, what is refused and why, and the
composition root wired with fakes on the in-process bus."""

from __future__ import annotations

import asyncio
import io
from datetime import UTC, datetime

import pytest
from PIL import Image

from feedback_contracts import (
    Envelope,
    ErasureRequested,
    ErasureStepDone,
    FeedbackCompleted,
    MediaReference,
    MediaStored,
    topics,
)
from feedback_contracts.customers import subject_hash
from media.bootstrap import MediaAdapters, create_app
from media.handlers import MediaCopier, handle_erasure_requested, handle_feedback_completed
from media.memory_sink import InMemoryMediaSink
from media.memory_source import InMemoryMediaSource
from media.settings import MediaSettings
from media.source import MediaUnavailable
from service_runtime.inprocess import InProcessBus
from service_runtime.recording_publisher import RecordingPublisher
from service_runtime.routing import unwrap

pytestmark = pytest.mark.unit
CUSTOMER = "whatsapp:+15550001"
URL = "https://api.twilio.com/2010-04-01/Accounts/AC1/Messages/MM1/Media/ME1"


def jpeg(size: tuple[int, int] = (32, 24)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, "teal").save(out, "JPEG")
    return out.getvalue()


def completed(content_type: str = "image/jpeg") -> Envelope:
    media = MediaReference(message_sid="MM1", media_sid="ME1", url=URL, content_type=content_type)
    event = FeedbackCompleted(
        session_id="s1",
        sender_id=CUSTOMER,
        product_name="kettle",
        feedback_text="it leaks",
        media=[media],
        completed_at=datetime.now(UTC),
    )
    return Envelope.wrap(event, source="analyzer", correlation_id="SM1")


async def copy(
    source: InMemoryMediaSource,
    sink: InMemoryMediaSink,
    envelope: Envelope | None = None,
    *,
    delete_after_copy: bool = False,
) -> MediaStored:
    publisher = RecordingPublisher()
    deps = MediaCopier(
        source=source,
        sink=sink,
        publisher=publisher,
        delete_after_copy=delete_after_copy,
        copies=asyncio.Semaphore(1),
    )
    await handle_feedback_completed(*unwrap(envelope or completed()), deps=deps)
    (stored,) = publisher.of_type(MediaStored)
    assert isinstance(stored.data, MediaStored)
    return stored.data


async def test_a_photo_is_stored_under_its_customer_message_and_media_sid() -> None:
    sink = InMemoryMediaSink(bucket="theunce-project")
    stored = await copy(InMemoryMediaSource({URL: ("image/jpeg", jpeg())}), sink)
    key = f"feedback-media/{subject_hash(CUSTOMER)}/MM1/ME1.jpg"
    assert stored.status == "stored"
    assert stored.s3_uri == f"s3://theunce-project/{key}"
    assert list(sink.objects) == [key]
    assert CUSTOMER.removeprefix("whatsapp:+") not in key  # a pseudonym, not the number
    assert stored.sha256 and stored.size_bytes == len(sink.objects[key][1])


async def test_erasure_deletes_the_customers_prefix_and_older_named_objects_only() -> None:
    sink = InMemoryMediaSink(bucket="b")
    await copy(InMemoryMediaSource({URL: ("image/jpeg", jpeg())}), sink)
    sink.objects["feedback-media/MM0/ME0.jpg"] = ("image/jpeg", b"older layout")
    sink.objects["feedback-media/other/MM9/ME9.jpg"] = ("image/jpeg", b"another customer")
    publisher = RecordingPublisher()
    deps = MediaCopier(
        source=InMemoryMediaSource({}),
        sink=sink,
        publisher=publisher,
        copies=asyncio.Semaphore(1),
    )
    request = ErasureRequested(
        erasure_id="e1", sender_id=CUSTOMER, media_uris=["s3://b/feedback-media/MM0/ME0.jpg"]
    )
    envelope = Envelope.wrap(request, source="persistence", correlation_id="e1")
    for _ in range(2):  # a redelivered request erases nothing more
        await handle_erasure_requested(*unwrap(envelope), deps=deps)
    assert list(sink.objects) == ["feedback-media/other/MM9/ME9.jpg"]
    steps = [e.data for e in publisher.of_type(ErasureStepDone)]
    assert [(s.step, s.erased) for s in steps if isinstance(s, ErasureStepDone)] == [
        ("media", {"s3_objects": 2}),
        ("media", {"s3_objects": 0}),
    ]


async def test_a_type_whatsapp_does_not_carry_is_refused_without_a_download() -> None:
    source, sink = InMemoryMediaSource({URL: ("application/zip", b"PK..")}), InMemoryMediaSink()
    stored = await copy(source, sink, completed("application/zip"))
    assert stored.status == "refused" and "application/zip" in (stored.reason or "")
    assert source.opened == [] and sink.objects == {}


async def test_a_served_type_other_than_the_declared_one_is_refused() -> None:
    sink = InMemoryMediaSink()
    stored = await copy(InMemoryMediaSource({URL: ("video/mp4", b"\x00" * 64)}), sink)
    assert stored.status == "refused" and "video/mp4" in (stored.reason or "")
    assert sink.objects == {}


async def test_an_image_over_five_megabytes_is_refused_and_nothing_stored() -> None:
    sink = InMemoryMediaSink()
    big = jpeg() + b"\x00" * (5 * 2**20)
    stored = await copy(InMemoryMediaSource({URL: ("image/jpeg", big)}), sink)
    assert stored.status == "refused" and "bytes" in (stored.reason or "")
    assert sink.objects == {}


async def test_bytes_that_are_not_the_declared_kind_are_refused() -> None:
    sink = InMemoryMediaSink()
    stored = await copy(InMemoryMediaSource({URL: ("image/jpeg", b"<html>not a photo" * 4)}), sink)
    assert stored.status == "refused"
    assert sink.objects == {}


async def test_a_copy_already_made_is_not_downloaded_again() -> None:
    source, sink = InMemoryMediaSource({URL: ("image/jpeg", jpeg())}), InMemoryMediaSink()
    first = await copy(source, sink)
    second = await copy(source, sink)
    assert source.opened == [URL]
    assert second.s3_uri == first.s3_uri


async def test_twilio_media_is_deleted_after_the_copy_when_configured() -> None:
    source = InMemoryMediaSource({URL: ("image/jpeg", jpeg())})
    await copy(source, InMemoryMediaSink(), delete_after_copy=True)
    assert source.deleted == [URL]


async def test_media_twilio_cannot_serve_yet_is_a_transient_failure() -> None:
    with pytest.raises(MediaUnavailable):
        await copy(InMemoryMediaSource({}), InMemoryMediaSink())


async def test_the_composition_root_takes_fakes() -> None:
    bus, stored = InProcessBus(), asyncio.Queue[Envelope]()
    listener = bus.subscribe("test", {topics.MEDIA_STORED: stored.put})
    listening = asyncio.create_task(listener.run())
    settings = MediaSettings(
        environment="local",
        kafka_bootstrap_servers="in-process",
        twilio_account_sid="AC" + "0" * 32,
        twilio_auth_token="t" * 32,
    )
    sink = InMemoryMediaSink()
    adapters = MediaAdapters(InMemoryMediaSource({URL: ("image/jpeg", jpeg())}), sink)
    app = create_app(settings, bus=bus, adapters=adapters)
    async with app.router.lifespan_context(app):
        await bus.publish(completed())
        event = await asyncio.wait_for(stored.get(), 5)
    listener.stop()
    await listening
    assert isinstance(event.data, MediaStored) and event.data.status == "stored"
    assert list(sink.objects) == [f"feedback-media/{subject_hash(CUSTOMER)}/MM1/ME1.jpg"]
