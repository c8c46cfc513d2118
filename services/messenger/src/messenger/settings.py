"""Settings of the messenger service."""

from __future__ import annotations

from pydantic import Field, SecretStr, field_validator

from service_runtime.settings import ServiceSettings


def whatsapp_address(number: str) -> str:
    """`+14155238886` or `14155238886` -> `whatsapp:+14155238886`; prefixed ones unchanged."""
    number = number.strip()
    if not number.removeprefix("whatsapp:").lstrip("+").isdigit():
        raise ValueError(f"not a phone number: {number!r}")
    if number.startswith("whatsapp:"):
        return number
    return "whatsapp:" + (number if number.startswith("+") else f"+{number}")


class MessengerSettings(ServiceSettings):
    """Typed settings, loaded once at start-up."""

    service_name: str = "messenger"
    http_port: int = 8002
    twilio_account_sid: str
    twilio_auth_token: SecretStr
    twilio_whatsapp_from: str
    twilio_api_base_url: str | None = None
    twilio_timeout_s: float = 10.0
    # Requests to Twilio at once from this process. Twilio's default account limit is 100
    # concurrent requests, shared by every replica: 100 divided by the replicas.
    twilio_max_concurrent: int = Field(default=100, ge=1)
    status_callback_url: str | None = None
    send_rate_per_second: float = 80.0
    max_send_attempts: int = 4
    send_backoff_s: float = 0.5
    outbound_table: str = "outbound_messages"
    opt_outs_table: str = "opt_outs"

    @field_validator("twilio_whatsapp_from")
    @classmethod
    def _normalize_from(cls, value: str) -> str:
        return whatsapp_address(value)
