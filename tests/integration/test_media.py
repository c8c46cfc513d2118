"""Copying media from the Twilio stand-in to moto's S3: safety checks, stripping, idempotency."""

from __future__ import annotations

import io
import ipaddress
import uuid
from collections.abc import Iterator

import boto3
import httpx
import pytest
from PIL import Image

from feedback_contracts import MediaReference
from media.adapters.s3_sink import S3MediaSink
from media.adapters.twilio_source import TwilioMediaSource
from media.copying import copy_media_to_s3, customer_prefix
from media.metadata import strip_metadata
from media.provision import provision
from media.safety import Address, HostPolicy, MediaRefused
from standins.serving import RunningServer, serve_in_thread
from standins.twilio_api import create_app as twilio_app
from standins.twilio_state import TwilioState

pytestmark = pytest.mark.integration
ACCOUNT, TOKEN = "AC" + "2" * 32, "d" * 32
API_HOST, CDN_HOST = "localhost", "127.0.0.1"
CUSTOMER = "whatsapp:+15550001234"
PREFIX = customer_prefix(CUSTOMER)


@pytest.fixture(scope="module")
def twilio() -> Iterator[tuple[TwilioState, RunningServer]]:
    state = TwilioState(ACCOUNT, TOKEN)
    server = serve_in_thread(twilio_app(state))
    state.cdn_base_url = server.url  # 127.0.0.1, while the API is addressed as localhost
    yield state, server
    server.stop()


@pytest.fixture(scope="module")
def s3(aws_endpoint: str) -> tuple[object, str]:
    client = boto3.client("s3", region_name="us-east-1", endpoint_url=aws_endpoint)
    bucket = f"media-{uuid.uuid4().hex[:8]}"
    provision(client, bucket)
    return client, bucket


def source(policy: HostPolicy) -> TwilioMediaSource:
    return TwilioMediaSource(
        httpx.Client(timeout=10),
        account_sid=ACCOUNT,
        auth_token=TOKEN,
        policy=policy,
        attempts=2,
        retry_delay_s=0.01,
    )


def local_policy() -> HostPolicy:
    return HostPolicy(
        api_hosts=(f"{API_HOST}:*",),
        cdn_hosts=(f"{CDN_HOST}:*",),
        trusted_private=(API_HOST, CDN_HOST),
    )


def jpeg_with_gps(size: tuple[int, int] = (64, 48), noise: bool = False) -> bytes:
    image = Image.effect_noise(size, 80).convert("RGB") if noise else Image.new("RGB", size, "teal")
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x8825] = {1: "N", 2: (52.0, 22.0, 10.0), 3: "E", 4: (4.0, 53.0, 20.0)}  # GPS
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif, quality=95)
    return out.getvalue()


def reference(
    state: TwilioState, server: RunningServer, content: bytes, kind: str
) -> MediaReference:
    message_sid = "MM" + uuid.uuid4().hex
    path = state.add_media(message_sid, content, kind)
    return MediaReference(
        message_sid=message_sid,
        media_sid=path.rsplit("/", 1)[-1],
        url=server.url.replace(CDN_HOST, API_HOST) + path,
        content_type=kind,
    )


def test_photo_is_stored_at_its_key_without_exif_and_gps(
    twilio: tuple[TwilioState, RunningServer], s3: tuple[object, str]
) -> None:
    state, server = twilio
    client, bucket = s3
    original = jpeg_with_gps()
    media = reference(state, server, original, "image/jpeg")
    sink = S3MediaSink(client, bucket=bucket, part_size=5 * 2**20)
    stored = copy_media_to_s3(media, customer=CUSTOMER, source=source(local_policy()), sink=sink)
    key = f"{PREFIX}{media.message_sid}/{media.media_sid}.jpg"
    assert stored.uri == f"s3://{bucket}/{key}"
    body = client.get_object(Bucket=bucket, Key=key)["Body"].read()  # type: ignore[attr-defined]
    assert body == strip_metadata("image/jpeg", original) and len(body) < len(original)
    assert not Image.open(io.BytesIO(body)).getexif()
    assert Image.open(io.BytesIO(body)).size == (64, 48)
    assert state.credentials_sent_to_cdn == 0  # Basic auth went to the API host only


def test_redelivery_writes_the_object_once(
    twilio: tuple[TwilioState, RunningServer], s3: tuple[object, str]
) -> None:
    state, server = twilio
    client, bucket = s3
    media = reference(state, server, b"%PDF-1.7\n" + b"x" * 1000, "application/pdf")
    sink = S3MediaSink(client, bucket=bucket, part_size=5 * 2**20)
    first = copy_media_to_s3(media, customer=CUSTOMER, source=source(local_policy()), sink=sink)
    downloads = state.downloads
    again = copy_media_to_s3(media, customer=CUSTOMER, source=source(local_policy()), sink=sink)
    assert again == first and state.downloads == downloads
    assert first.sha256 and first.size == 1009


@pytest.mark.parametrize(
    "url",
    [
        "http://169.254.169.254/latest/meta-data/iam/security-credentials/",
        "https://10.0.0.7/2010-04-01/Accounts/AC1/Messages/MM1/Media/ME1",
        "https://localhost/2010-04-01/Accounts/AC1/Messages/MM1/Media/ME1",
    ],
)
def test_forged_media_url_to_a_private_address_is_refused(url: str, s3: tuple[object, str]) -> None:
    client, bucket = s3
    # localhost is on the allowlist here, yet resolves to loopback: still refused.
    policy = HostPolicy(api_hosts=("api.twilio.com", "localhost"), cdn_hosts=("*.twiliocdn.com",))
    media = MediaReference(message_sid="MM1", media_sid="ME1", url=url, content_type="image/jpeg")
    sink = S3MediaSink(client, bucket=bucket, part_size=5 * 2**20)
    with pytest.raises(
        MediaRefused, match=r"not an allowed media host|non-public address|plain http"
    ):
        copy_media_to_s3(media, customer=CUSTOMER, source=source(policy), sink=sink)


def test_six_megabyte_image_is_refused_with_its_reason(
    twilio: tuple[TwilioState, RunningServer], s3: tuple[object, str]
) -> None:
    state, server = twilio
    client, bucket = s3
    big = b"\xff\xd8\xff\xe0" + b"\x00" * (6 * 2**20)
    media = reference(state, server, big, "image/jpeg")
    sink = S3MediaSink(client, bucket=bucket, part_size=5 * 2**20)
    with pytest.raises(MediaRefused, match="over 5242880 bytes"):
        copy_media_to_s3(media, customer=CUSTOMER, source=source(local_policy()), sink=sink)
    listed = client.list_objects_v2(Bucket=bucket, Prefix=f"{PREFIX}{media.message_sid}/")  # type: ignore[attr-defined]
    assert listed.get("KeyCount", 0) == 0


def test_bytes_that_are_not_the_declared_type_are_refused(
    twilio: tuple[TwilioState, RunningServer], s3: tuple[object, str]
) -> None:
    state, server = twilio
    client, bucket = s3
    media = reference(state, server, b"<html>not an image</html>", "image/png")
    sink = S3MediaSink(client, bucket=bucket, part_size=5 * 2**20)
    with pytest.raises(MediaRefused, match="bytes are not image/png"):
        copy_media_to_s3(media, customer=CUSTOMER, source=source(local_policy()), sink=sink)


def test_large_video_is_streamed_in_parts(
    twilio: tuple[TwilioState, RunningServer], s3: tuple[object, str]
) -> None:
    state, server = twilio
    client, bucket = s3
    video = b"\x00\x00\x00\x18ftypmp42" + bytes(range(256)) * (12 * 4096)  # ~12 MB
    media = reference(state, server, video, "video/mp4")
    sink = S3MediaSink(client, bucket=bucket, part_size=5 * 2**20)
    stored = copy_media_to_s3(media, customer=CUSTOMER, source=source(local_policy()), sink=sink)
    key = f"{PREFIX}{media.message_sid}/{media.media_sid}.mp4"
    assert client.get_object(Bucket=bucket, Key=key)["Body"].read() == video  # type: ignore[attr-defined]
    assert stored.size == len(video) and sink.find(key) == stored


def test_the_download_connects_to_the_address_the_policy_resolved(
    twilio: tuple[TwilioState, RunningServer], s3: tuple[object, str]
) -> None:
    """`twilio.test` resolves only through the policy's resolver: the copy succeeds only if
    the HTTP client connects to the address the policy checked instead of resolving again."""
    state, server = twilio
    client, bucket = s3
    lookups: list[str] = []

    def resolver(host: str) -> list[Address]:
        lookups.append(host)
        return [ipaddress.ip_address("127.0.0.1")]

    pinned_policy = HostPolicy(
        api_hosts=("twilio.test:*",),
        cdn_hosts=(f"{CDN_HOST}:*",),
        trusted_private=("twilio.test", CDN_HOST),
        resolver=resolver,
    )
    message_sid = "MM" + uuid.uuid4().hex
    path = state.add_media(message_sid, jpeg_with_gps(), "image/jpeg")
    port = server.url.rsplit(":", 1)[1]
    url = f"http://twilio.test:{port}{path}"
    media = MediaReference(
        message_sid=message_sid, media_sid="ME1", url=url, content_type="image/jpeg"
    )
    sink = S3MediaSink(client, bucket=bucket, part_size=5 * 2**20)
    stored = copy_media_to_s3(media, customer=CUSTOMER, source=source(pinned_policy), sink=sink)
    assert stored.size > 0
    assert lookups == ["twilio.test", CDN_HOST]  # one lookup per hop: API, then the CDN
