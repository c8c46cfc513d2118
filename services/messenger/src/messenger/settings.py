"""Settings of the messenger service."""

from __future__ import annotations

from service_runtime.settings import ServiceSettings


class MessengerSettings(ServiceSettings):
    """Typed settings, loaded once at start-up."""

    service_name: str = "messenger"
    http_port: int = 8002
