"""Post webhooks the way Twilio does: form-encoded, signed with X-Twilio-Signature."""

from __future__ import annotations

import secrets
from collections.abc import Mapping

import httpx
from twilio.request_validator import RequestValidator


def sign(url: str, params: Mapping[str, str], auth_token: str) -> str:
    """The X-Twilio-Signature Twilio would send for this URL and form."""
    return str(RequestValidator(auth_token).compute_signature(url, dict(params)))


def inbound_params(
    *,
    account_sid: str,
    sender: str,
    to: str,
    body: str,
    media: list[tuple[str, str]] = (),  # type: ignore[assignment]
    profile_name: str = "Customer",
) -> dict[str, str]:
    """The form Twilio posts for an inbound WhatsApp message (media: (url, content type))."""
    sid = "SM" + secrets.token_hex(16)
    params = {
        "SmsMessageSid": sid,
        "NumMedia": str(len(media)),
        "ProfileName": profile_name,
        "MessageType": "image" if media else "text",
        "SmsSid": sid,
        "WaId": sender.removeprefix("whatsapp:+"),
        "SmsStatus": "received",
        "Body": body,
        "To": to,
        "NumSegments": "1",
        "ReferralNumMedia": "0",
        "MessageSid": sid,
        "AccountSid": account_sid,
        "ChannelMetadata": '{"type":"whatsapp"}',
        "From": sender,
        "ApiVersion": "2010-04-01",
    }
    for index, (url, content_type) in enumerate(media):
        params[f"MediaUrl{index}"] = url
        params[f"MediaContentType{index}"] = content_type
    return params


def post_signed(
    client: httpx.Client,
    url: str,
    params: Mapping[str, str],
    auth_token: str,
    *,
    signed_url: str | None = None,
) -> httpx.Response:
    """POST the form to `url`, signed over `signed_url` (the public URL Twilio knows)."""
    signature = sign(signed_url or url, params, auth_token)
    return client.post(url, data=dict(params), headers={"X-Twilio-Signature": signature})


async def post_signed_async(
    client: httpx.AsyncClient, url: str, params: Mapping[str, str], auth_token: str
) -> httpx.Response:
    """`post_signed` for async callers."""
    signature = sign(url, params, auth_token)
    return await client.post(url, data=dict(params), headers={"X-Twilio-Signature": signature})
