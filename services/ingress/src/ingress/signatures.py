"""Twilio request signatures, and the public URL Twilio signed."""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Mapping
from typing import Any

from twilio.request_validator import RequestValidator

_DEFAULT_PORTS = {"http": 80, "https": 443}


class TwilioSignatureCheck:
    """Checks `X-Twilio-Signature` with the account's auth token."""

    def __init__(self, auth_token: str) -> None:
        self._token = auth_token.encode()
        self._validator = RequestValidator(auth_token)

    def signature(self, url: str, params: Mapping[str, str]) -> str:
        """Twilio's HMAC-SHA1 of the URL followed by each parameter name and value, sorted."""
        payload = url + "".join(name + params[name] for name in sorted(params))
        digest = hmac.new(self._token, payload.encode(), hashlib.sha1).digest()
        return base64.b64encode(digest).decode()

    def is_valid(self, url: str, params: Mapping[str, str], signature: str | None) -> bool:
        """Whether `signature` is Twilio's for this public URL and these form parameters."""
        if not signature:
            return False
        if hmac.compare_digest(self.signature(url, params).encode(), signature.encode()):
            return True
        # Twilio may have signed the URL with or without an explicit port: the SDK tries both.
        return bool(self._validator.validate(url, dict(params), signature))


def public_url(
    scope: Mapping[str, Any], headers: Mapping[str, str], *, base_url: str | None, trust_proxy: bool
) -> str:
    """The URL Twilio called: configured base, trusted proxy headers, or the request's own.

    `headers` are the request's, lower-case names, first value of each."""
    query = scope.get("query_string", b"").decode("latin-1")
    path_and_query = f"{scope['path']}?{query}" if query else str(scope["path"])
    if base_url:
        return base_url.rstrip("/") + path_and_query
    proto = headers.get("x-forwarded-proto")
    forwarded_host = headers.get("x-forwarded-host")
    if trust_proxy and proto and forwarded_host:
        first_proto, first_host = proto.split(",")[0].strip(), forwarded_host.split(",")[0].strip()
        return f"{first_proto}://{first_host}{path_and_query}"
    scheme = str(scope.get("scheme", "http"))
    host = headers.get("host")
    if not host and scope.get("server"):
        name, port = scope["server"]
        host = str(name) if port == _DEFAULT_PORTS.get(scheme) else f"{name}:{port}"
    return f"{scheme}://{host or 'localhost'}{path_and_query}"
