"""Settings of the ingress service."""

from __future__ import annotations

from service_runtime.settings import ServiceSettings


class IngressSettings(ServiceSettings):
    """Typed settings, loaded once at start-up."""

    service_name: str = "ingress"
    http_port: int = 8000
