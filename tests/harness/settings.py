"""Where the harness finds given infrastructure and keeps its downloads (environment, typed)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic_settings import BaseSettings, SettingsConfigDict


class HarnessSettings(BaseSettings):
    """TEST_* addresses of components started elsewhere; FI_CACHE_DIR for jars and tools.

    TEST_INFRASTRUCTURE picks how Kafka and PostgreSQL run: `auto` (testcontainers where a
    Docker engine answers, else local processes), `containers` (an engine is required) or
    `processes`. TEST_KAFKA_IMAGE and TEST_POSTGRES_IMAGE name registry images to use instead of
    the ones built here."""

    model_config = SettingsConfigDict(extra="ignore")

    fi_cache_dir: Path = Path.home() / ".cache" / "feedback-intelligence"
    test_kafka_bootstrap: str | None = None
    test_database_url: str | None = None
    test_aws_endpoint_url: str | None = None
    test_infrastructure: Literal["auto", "containers", "processes"] = "auto"
    test_kafka_image: str | None = None
    test_postgres_image: str | None = None


HARNESS = HarnessSettings()
