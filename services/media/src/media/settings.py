"""Settings of the media service."""

from __future__ import annotations

from service_runtime.settings import ServiceSettings


class MediaSettings(ServiceSettings):
    """Typed settings, loaded once at start-up."""

    service_name: str = "media"
    http_port: int = 8003
