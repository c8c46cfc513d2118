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
