"""Twilio request signatures, and the public URL Twilio signed."""

from __future__ import annotations

import hmac
from collections.abc import Mapping

from starlette.requests import Request
from twilio.request_validator import RequestValidator


class TwilioSignatureCheck:
    """Checks `X-Twilio-Signature` with the account's auth token."""

    def __init__(self, auth_token: str) -> None:
        self._validator = RequestValidator(auth_token)

    def is_valid(self, url: str, params: Mapping[str, str], signature: str | None) -> bool:
        """Whether `signature` is Twilio's for this public URL and these form parameters."""
        if not signature:
            return False
        expected = str(self._validator.compute_signature(url, dict(params)))
        if hmac.compare_digest(expected.encode(), signature.encode()):
            return True
        # Twilio may have signed the URL with or without an explicit port: try both forms.
        return bool(self._validator.validate(url, dict(params), signature))


def public_url(request: Request, *, base_url: str | None, trust_proxy: bool) -> str:
    """The URL Twilio called: configured base, trusted proxy headers, or the request's own."""
    path_and_query = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    if base_url:
        return base_url.rstrip("/") + path_and_query
    proto = request.headers.get("x-forwarded-proto")
    host = request.headers.get("x-forwarded-host")
    if trust_proxy and proto and host:
        return f"{proto.split(',')[0].strip()}://{host.split(',')[0].strip()}{path_and_query}"
    return str(request.url)
