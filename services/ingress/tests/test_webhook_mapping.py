"""Mapping Twilio's webhook forms to events, and rebuilding the public URL."""

from __future__ import annotations

import pytest
from starlette.requests import Request

from ingress.handlers import MalformedWebhook, inbound_from_api, inbound_from_twilio
from ingress.signatures import public_url
from standins.twilio_webhooks import inbound_params

pytestmark = pytest.mark.unit


def test_inbound_keeps_every_field() -> None:
    form = inbound_params(
        account_sid="AC1",
        sender="whatsapp:+15550001111",
        to="whatsapp:+14155238886",
        body="hi",
        media=[("https://api.twilio.com/x/Media/ME1", "image/jpeg")],
    )
    form |= {"Latitude": "52.1", "Longitude": "4.3", "ButtonPayload": "yes", "NewField": "kept"}
    event = inbound_from_twilio(form)
    assert event.sender_id == "whatsapp:+15550001111" and event.wa_id == "15550001111"
    assert event.media[0].media_sid == "ME1" and event.media[0].content_type == "image/jpeg"
    assert (event.latitude, event.button_payload) == (52.1, "yes")
    assert event.extra["NewField"] == "kept" and event.extra["ChannelMetadata"]
    assert "MediaUrl0" not in event.extra and "From" not in event.extra


def test_missing_message_sid_is_malformed() -> None:
    with pytest.raises(MalformedWebhook, match="MessageSid"):
        inbound_from_twilio({"From": "whatsapp:+1"})


def test_api_sender_gets_whatsapp_prefix() -> None:
    event = inbound_from_api(sender_id="+15550001111", message="hello")
    assert event.sender_id == "whatsapp:+15550001111" and event.origin == "api"


def _request(headers: dict[str, str]) -> Request:
    scope = {
        "type": "http",
        "scheme": "http",
        "server": ("10.0.0.5", 8000),
        "path": "/twilio/messages",
        "query_string": b"a=1",
        "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()],
    }
    return Request(scope)


def test_public_url_uses_proxy_headers_only_when_trusted() -> None:
    request = _request(
        {
            "host": "10.0.0.5:8000",
            "x-forwarded-proto": "https",
            "x-forwarded-host": "hooks.example.com",
        }
    )
    assert public_url(request, base_url=None, trust_proxy=False) == (
        "http://10.0.0.5:8000/twilio/messages?a=1"
    )
    assert public_url(request, base_url=None, trust_proxy=True) == (
        "https://hooks.example.com/twilio/messages?a=1"
    )
    assert public_url(request, base_url="https://b.example/", trust_proxy=False) == (
        "https://b.example/twilio/messages?a=1"
    )
