"""Settings of the analyzer service."""

from __future__ import annotations

from service_runtime.settings import ServiceSettings


class AnalyzerSettings(ServiceSettings):
    """Typed settings, loaded once at start-up."""

    service_name: str = "analyzer"
    http_port: int = 8001
