"""The taxonomy from the persistence service's API, cached for a while."""

from __future__ import annotations

import time

import httpx

from insights.taxonomy import Topic
from insights.taxonomy_source import Taxonomy
from service_runtime.failures import TransientError


class PersistenceTaxonomy:
    """Reads `GET /topics` of the persistence service, at most once per `max_age_s`."""

    def __init__(self, client: httpx.AsyncClient, *, token: str, max_age_s: float) -> None:
        self._client = client
        self._headers = {"Authorization": f"Bearer {token}"}
        self._max_age_s = max_age_s
        self._cached: tuple[float, Taxonomy] | None = None

    async def current(self, *, at_least: int = 0) -> Taxonomy:
        """The cached taxonomy, or a fresh one once it is older than `max_age_s` or than the
        version `at_least` (a re-tag asks for the taxonomy that opened it)."""
        if self._cached:
            fetched_at, taxonomy = self._cached
            fresh = time.monotonic() - fetched_at < self._max_age_s
            if fresh and taxonomy.version >= at_least:
                return taxonomy
        try:
            response = await self._client.get("/topics", headers=self._headers)
        except httpx.TransportError as error:
            raise TransientError(f"taxonomy unavailable: {type(error).__name__}") from error
        if response.status_code >= 500:
            raise TransientError(f"taxonomy unavailable: HTTP {response.status_code}")
        response.raise_for_status()
        body = response.json()
        topics = tuple(Topic.model_validate(t) for t in body["topics"])
        taxonomy = Taxonomy(int(body["version"]), topics)
        self._cached = (time.monotonic(), taxonomy)
        return taxonomy

    async def close(self) -> None:
        """Close the HTTP client."""
        await self._client.aclose()
