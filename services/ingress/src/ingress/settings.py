"""Settings of the ingress service."""

from __future__ import annotations

from pydantic import SecretStr

from service_runtime.settings import ServiceSettings


class IngressSettings(ServiceSettings):
    """Typed settings, loaded once at start-up."""

    service_name: str = "ingress"
    http_port: int = 8000
    twilio_auth_token: SecretStr
    intelligence_api_secret: SecretStr
    public_base_url: str | None = None
    trust_proxy_headers: bool = False
    max_body_bytes: int = 64 * 1024
