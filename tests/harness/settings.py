"""Where the harness finds given infrastructure and keeps its downloads (environment, typed)."""

from __future__ import annotations

from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict


class HarnessSettings(BaseSettings):
    """TEST_* addresses of components started elsewhere; FI_CACHE_DIR for jars and tools."""

    model_config = SettingsConfigDict(extra="ignore")

    fi_cache_dir: Path = Path.home() / ".cache" / "feedback-intelligence"
    test_kafka_bootstrap: str | None = None
    test_database_url: str | None = None
    test_aws_endpoint_url: str | None = None


HARNESS = HarnessSettings()
