"""Settings of the persistence service."""

from __future__ import annotations

from pydantic import SecretStr

from service_runtime.settings import ServiceSettings


class PersistenceSettings(ServiceSettings):
    """Typed settings, loaded once at start-up."""

    service_name: str = "persistence"
    http_port: int = 8004
    database_url: str
    intelligence_api_secret: SecretStr
    database_pool_size: int = 5
    backfill_batch_size: int = 200  # rows re-tagged per step of a taxonomy change's job
    backfill_pause_s: float = 0.0  # rest between steps (to spare the tagger)
    backfill_idle_s: float = 2.0  # how often to look for a job when there is none
    media_link_ttl_s: int = 300  # how long the owner's page may show a photo from its link
    # Where a browser reaches S3 (or the local AWS), when not where the service does.
    media_link_endpoint_url: str | None = None
    # The alerts service, whose API the owner's page reaches through this one (/alerts/...).
    alerts_url: str = "http://alerts:8080"
