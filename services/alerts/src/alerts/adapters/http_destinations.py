"""Destinations over HTTP (httpx): the URL checked and pinned for each attempt, the body
signed the Standard Webhooks way (the `standardwebhooks` library) for a webhook, no redirects
followed, and nothing of the URL in what is reported."""

from __future__ import annotations

import asyncio
from collections.abc import Collection
from datetime import UTC, datetime
from urllib.parse import urlsplit

import httpx
from standardwebhooks import Webhook

from alerts.attempts import Answer
from alerts.deliveries import Claimed
from alerts.payloads import Alert, slack_body, webhook_body
from service_runtime.logs import register_secrets
from service_runtime.outbound import UnsafeTarget, pin

USER_AGENT = "feedback-intelligence-alerts/1"


class HttpDestinations:
    """The Destinations port: one POST per attempt."""

    def __init__(self, *, timeout_s: float, trusted_private: Collection[str] = ()) -> None:
        self._client = httpx.AsyncClient(
            timeout=timeout_s,
            follow_redirects=False,  # a redirect could lead past the address check
            limits=httpx.Limits(max_connections=256, max_keepalive_connections=32),
        )
        self._trusted = tuple(trusted_private)

    async def send(self, delivery: Claimed) -> Answer:
        register_url(delivery.url)  # on whichever replica sends: it uses the URL here
        sent_at = datetime.now(UTC)
        alert = Alert.model_validate(delivery.alert)
        headers = {"Content-Type": "application/json", "User-Agent": USER_AGENT}
        if delivery.kind == "slack":
            body = slack_body(alert)
        else:
            body = webhook_body(alert, sent_at=sent_at)
            headers |= signed_headers(delivery, body, sent_at)
        try:
            # A name that now resolves elsewhere (a private address) is refused at every try.
            target = await asyncio.to_thread(pin, delivery.url, trusted_private=self._trusted)
        except UnsafeTarget as error:
            return Answer(status=None, error=f"refused: {error}")
        try:
            response = await self._client.post(
                target.url,
                content=body,
                headers={**headers, "Host": target.host},
                extensions=target.extensions,
            )
        except httpx.TimeoutException:
            return Answer(error="timed out")
        except httpx.TransportError as error:
            return Answer(error=f"connection failed ({type(error).__name__})")
        return Answer(status=response.status_code, retry_after=response.headers.get("retry-after"))

    async def close(self) -> None:
        await self._client.aclose()


def signed_headers(delivery: Claimed, body: bytes, sent_at: datetime) -> dict[str, str]:
    """`webhook-id` (stable: the receiver's dedup key), `webhook-timestamp` and
    `webhook-signature` over them and the body."""
    assert delivery.signing_secret is not None  # every webhook destination has one
    signature = Webhook(delivery.signing_secret).sign(delivery.id, sent_at, body)
    return {
        "webhook-id": delivery.id,
        "webhook-timestamp": str(int(sent_at.timestamp())),
        "webhook-signature": signature,
    }


def register_url(url: str) -> None:
    """A destination's URL is a secret: masked in every log line, whole or by its path (a
    request to it names the pinned address in place of the host)."""
    parts = urlsplit(url)
    register_secrets(url, parts.path + (f"?{parts.query}" if parts.query else ""))
