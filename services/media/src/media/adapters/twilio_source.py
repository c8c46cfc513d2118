"""The media source on Twilio's media URLs: authenticated, each redirect checked, streamed."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urljoin

import httpx

from media.safety import HostPolicy, MediaRefused
from media.source import CHUNK, Download, MediaUnavailable

MAX_REDIRECTS = 5


class TwilioMediaSource:
    """httpx streaming download with Basic auth for Twilio's API hosts only."""

    def __init__(
        self,
        client: httpx.Client,
        *,
        account_sid: str,
        auth_token: str,
        policy: HostPolicy,
        attempts: int,
        retry_delay_s: float = 0.5,
    ) -> None:
        self._client = client
        self._auth = httpx.BasicAuth(account_sid, auth_token)
        self._policy = policy
        self._attempts = attempts
        self._retry_delay_s = retry_delay_s

    @contextmanager
    def open(self, url: str) -> Iterator[Download]:
        """Follow Twilio's redirect to the CDN and stream the file."""
        response = self._follow(url)
        try:
            length = response.headers.get("content-length")
            yield Download(
                content_type=response.headers.get("content-type", "application/octet-stream"),
                length=int(length) if length and length.isdigit() else None,
                chunks=response.iter_bytes(CHUNK),
            )
        finally:
            response.close()

    def delete(self, url: str) -> None:
        """Delete the media resource at Twilio (after a successful copy)."""
        pinned = self._policy.pin(url.removesuffix(".json") + ".json")
        request = self._client.build_request(
            "DELETE", pinned.url, headers={"Host": pinned.host}, extensions=pinned.extensions
        )
        response = self._client.send(request, auth=self._auth)
        if response.status_code not in (204, 404):
            raise MediaUnavailable(f"deleting media at Twilio answered {response.status_code}")

    def _follow(self, url: str) -> httpx.Response:
        for attempt in range(1, self._attempts + 1):
            response = self._hops(url)
            if response.status_code == 404 and attempt < self._attempts:
                response.close()  # Twilio's media can take a moment to propagate
                time.sleep(self._retry_delay_s * attempt)
                continue
            if response.status_code >= 500 or response.status_code in (404, 429):
                response.close()
                raise MediaUnavailable(f"media download answered {response.status_code}")
            if response.status_code >= 400:
                response.close()
                raise MediaRefused(f"media download answered {response.status_code}")
            return response
        raise AssertionError("unreachable")

    def _hops(self, url: str) -> httpx.Response:
        for _ in range(MAX_REDIRECTS + 1):
            pinned = self._policy.pin(url)  # connect to the address checked, not a new lookup
            auth = self._auth if self._policy.sends_credentials(url) else None
            try:
                request = self._client.build_request(
                    "GET", pinned.url, headers={"Host": pinned.host}, extensions=pinned.extensions
                )
                response = self._client.send(
                    request, auth=auth, stream=True, follow_redirects=False
                )
            except httpx.HTTPError as error:
                raise MediaUnavailable(f"media download failed: {error!r}") from error
            if not response.is_redirect:
                return response
            response.close()
            url = urljoin(url, response.headers["location"])
        raise MediaRefused("too many redirects")
