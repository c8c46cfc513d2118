"""The webhook ASGI app on in-memory fakes: answers, errors, and what it hands to FastAPI."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI
from starlette.types import Message, Receive

from feedback_contracts import DeliveryStatus, Envelope, InboundMessage
from ingress.asgi import Disconnected, Rejected, read_body
from ingress.settings import IngressSettings
from ingress.signatures import TwilioSignatureCheck
from ingress.webhooks import TwilioWebhooks
from service_runtime.publishing import PublishError
from service_runtime.recording_publisher import RecordingPublisher
from standins.twilio_webhooks import inbound_params, sign

pytestmark = pytest.mark.unit
TOKEN, BASE = "t" * 32, "http://ingress.test"


class UnavailablePublisher:
    async def publish(self, envelope: Envelope) -> None:
        raise PublishError("kafka did not acknowledge")


def webhooks(publisher: object) -> TwilioWebhooks:
    app = FastAPI()
    settings = IngressSettings(
        twilio_auth_token=TOKEN, intelligence_api_secret="s" * 12, max_body_bytes=4096
    )
    app.state.publisher = publisher

    @app.get("/elsewhere")
    async def elsewhere() -> dict[str, str]:
        return {"served_by": "fastapi"}

    return TwilioWebhooks(app, settings=settings, signature_check=TwilioSignatureCheck(TOKEN))


Client = tuple[httpx.AsyncClient, RecordingPublisher]


@pytest.fixture
async def client() -> AsyncIterator[Client]:
    publisher = RecordingPublisher()
    transport = httpx.ASGITransport(app=webhooks(publisher))
    async with httpx.AsyncClient(transport=transport, base_url=BASE) as http:
        yield http, publisher


def signed(path: str, params: dict[str, str]) -> dict[str, str]:
    return {"X-Twilio-Signature": sign(f"{BASE}{path}", params, TOKEN)}


def message(**changes: str) -> dict[str, str]:
    params = inbound_params(
        account_sid="AC1", sender="whatsapp:+15550001", to="whatsapp:+1", body="hi"
    )
    return params | changes


async def test_signed_message_is_published_and_answered_with_twiml(client: Client) -> None:
    http, publisher = client
    params = message()
    response = await http.post(
        "/twilio/messages", data=params, headers=signed("/twilio/messages", params)
    )
    assert response.status_code == 200 and response.text.endswith("<Response></Response>")
    assert response.headers["content-type"].startswith("text/xml")
    [envelope] = publisher.of_type(InboundMessage)
    assert envelope.correlation_id == params["MessageSid"] and envelope.subject == params["From"]


async def test_status_callback_is_204_without_body(client: Client) -> None:
    http, publisher = client
    params = {"MessageSid": "SM1", "MessageStatus": "delivered", "To": "whatsapp:+15550001"}
    response = await http.post(
        "/twilio/status", data=params, headers=signed("/twilio/status", params)
    )
    assert response.status_code == 204 and response.content == b""
    assert "content-length" not in response.headers
    assert len(publisher.of_type(DeliveryStatus)) == 1


async def test_signed_but_malformed_is_400_and_nothing_published(client: Client) -> None:
    http, publisher = client
    params = {key: value for key, value in message().items() if key != "From"}
    response = await http.post(
        "/twilio/messages", data=params, headers=signed("/twilio/messages", params)
    )
    assert response.status_code == 400
    assert response.json() == {"detail": "malformed webhook: missing From"}
    assert publisher.published == []


async def test_other_methods_are_405(client: Client) -> None:
    http, _ = client
    response = await http.get("/twilio/messages")
    assert response.status_code == 405 and response.headers["allow"] == "POST"


async def test_other_paths_go_to_fastapi(client: Client) -> None:
    http, _ = client
    assert (await http.get("/elsewhere")).json() == {"served_by": "fastapi"}


async def test_kafka_unavailable_is_503_with_retry_after() -> None:
    transport = httpx.ASGITransport(app=webhooks(UnavailablePublisher()))
    params = message()
    async with httpx.AsyncClient(transport=transport, base_url=BASE) as http:
        response = await http.post(
            "/twilio/messages", data=params, headers=signed("/twilio/messages", params)
        )
    assert response.status_code == 503 and response.headers["retry-after"] == "5"


def receiving(*messages: Message) -> Receive:
    pending = list(messages)

    async def receive() -> Message:
        return pending.pop(0)

    return receive


async def test_a_streamed_body_over_the_limit_is_413_before_it_is_all_read() -> None:
    chunks = [{"type": "http.request", "body": b"x" * 3000, "more_body": True}] * 2
    with pytest.raises(Rejected) as refused:
        await read_body(receiving(*chunks), {}, limit=4096)
    assert refused.value.status == 413


async def test_a_declared_length_over_the_limit_is_413_unread() -> None:
    with pytest.raises(Rejected):
        await read_body(receiving(), {"content-length": "5000"}, limit=4096)


async def test_a_client_gone_mid_body_is_no_request() -> None:
    first = {"type": "http.request", "body": b"a=1", "more_body": True}
    with pytest.raises(Disconnected):
        await read_body(receiving(first, {"type": "http.disconnect"}), {}, limit=4096)
