"""Mapping Twilio's webhook forms to events, and rebuilding the public URL."""

from __future__ import annotations

import pytest
from pydantic import ValidationError
from twilio.request_validator import RequestValidator

from ingress.api import ReplyBody
from ingress.asgi import request_headers
from ingress.handlers import MalformedWebhook, inbound_from_api, inbound_from_twilio
from ingress.signatures import TwilioSignatureCheck, public_url
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
    body = ReplyBody.model_validate({"sender_id": "+15550001111", "message": "hello"})
    event = inbound_from_api(sender_id=body.sender_id, message=body.message)
    assert event.sender_id == "whatsapp:+15550001111" and event.origin == "api"


@pytest.mark.parametrize(
    "sender", ["whatsapp:+1555000111122223333", "x" * 85, "", "hello", "whatsapp:+0123456"]
)
def test_api_sender_that_no_store_could_hold_is_refused(sender: str) -> None:
    with pytest.raises(ValidationError):
        ReplyBody.model_validate({"sender_id": sender, "message": "hello"})


def test_api_message_with_nul_or_over_whatsapps_limit_is_refused() -> None:
    for message in ("a\x00b", "x" * 4097):
        with pytest.raises(ValidationError):
            ReplyBody.model_validate({"sender_id": "+15550001111", "message": message})


SCOPE = {
    "type": "http",
    "scheme": "http",
    "server": ("10.0.0.5", 8000),
    "path": "/twilio/messages",
    "query_string": b"a=1",
}


def test_public_url_uses_proxy_headers_only_when_trusted() -> None:
    headers = {
        "host": "10.0.0.5:8000",
        "x-forwarded-proto": "https",
        "x-forwarded-host": "hooks.example.com",
    }
    assert public_url(SCOPE, headers, base_url=None, trust_proxy=False) == (
        "http://10.0.0.5:8000/twilio/messages?a=1"
    )
    assert public_url(SCOPE, headers, base_url=None, trust_proxy=True) == (
        "https://hooks.example.com/twilio/messages?a=1"
    )
    assert public_url(SCOPE, headers, base_url="https://b.example/", trust_proxy=False) == (
        "https://b.example/twilio/messages?a=1"
    )


def test_public_url_without_host_header_is_the_server_address() -> None:
    assert public_url(SCOPE, {}, base_url=None, trust_proxy=False) == (
        "http://10.0.0.5:8000/twilio/messages?a=1"
    )
    on_default_port = {**SCOPE, "scheme": "https", "server": ("hooks.internal", 443)}
    assert public_url(on_default_port, {}, base_url=None, trust_proxy=False) == (
        "https://hooks.internal/twilio/messages?a=1"
    )


def test_repeated_headers_keep_the_first_value() -> None:
    scope = {"headers": [(b"x-forwarded-host", b"first"), (b"x-forwarded-host", b"second")]}
    assert request_headers(scope) == {"x-forwarded-host": "first"}


def test_signature_matches_the_twilio_sdk() -> None:
    check = TwilioSignatureCheck("token-" + "0" * 26)
    url = "https://hooks.example.com/twilio/messages"
    params = inbound_params(
        account_sid="AC1", sender="whatsapp:+15550001111", to="whatsapp:+1", body="a+b & c=d é"
    )
    expected = RequestValidator("token-" + "0" * 26).compute_signature(url, params)
    assert check.signature(url, params) == expected
    assert check.is_valid(url, params, expected)
    assert check.is_valid("https://hooks.example.com:443/twilio/messages", params, expected)
    assert not check.is_valid(url, {**params, "Body": "tampered"}, expected)
    assert not check.is_valid(url, params, None)
