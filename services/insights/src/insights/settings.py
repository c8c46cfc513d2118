"""Settings of the insights service."""

from __future__ import annotations

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from service_runtime.settings import OptionalSecret, ServiceSettings


class TaggerSettings(BaseSettings):
    """The tagger and its model: the service's, and `python -m insights.evaluate --tagger llm`'s."""

    model_config = SettingsConfigDict(extra="ignore", case_sensitive=False)

    openai_api_key: OptionalSecret = None  # none: the offline tagger
    openai_base_url: str | None = None
    openai_model: str = "gpt-5-nano"
    openai_timeout_s: float = 20.0
    openai_max_retries: int = 1
    # Feedbacks tagged at once. The LLM tagger's call waits seconds for the model in a thread of
    # its own; the default pool (cores + 4 threads) would hold tagging to a few a second.
    tagger_threads: int = Field(default=64, ge=1)


class InsightsSettings(ServiceSettings, TaggerSettings):
    """Typed settings, loaded once at start-up."""

    service_name: str = "insights"
    http_port: int = 8005
    persistence_url: str = "http://persistence:8080"  # where the taxonomy is kept
    intelligence_api_secret: SecretStr
    taxonomy_cache_s: float = 10.0  # how stale a taxonomy may be when tagging new feedback
    taxonomy_timeout_s: float = 5.0
