"""Typed settings: environment (and a `.env` file) in local mode, AWS Secrets Manager merged
over the environment otherwise."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any, TypeVar

import boto3
from pydantic import AliasChoices, BeforeValidator, Field, SecretStr, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

ENV_FILE = Path(".env")  # in the working directory, as the original service read it
# An optional secret set to "" (compose's `${OPENAI_API_KEY:-}`, an empty Secret key) is unset.
OptionalSecret = Annotated[SecretStr | None, BeforeValidator(lambda value: value or None)]
PLACEHOLDERS = frozenset({"", "changeme", "change-me", "placeholder", "secret", "test", "local"})


class SettingsError(RuntimeError):
    """Settings that cannot start a service; the message names what is missing or wrong."""


class ServiceSettings(BaseSettings):
    """Settings every service shares; each service subclasses it with its own fields.

    Outside local mode the JSON secret `SECRETS_MANAGER_SECRET_ID` is merged over the
    environment; set it empty where the platform injects secrets as environment variables
    (a Kubernetes Secret), and the placeholder check still applies."""

    model_config = SettingsConfigDict(extra="ignore", case_sensitive=False)

    service_name: str = "service"
    environment: str = Field(
        default="production", validation_alias=AliasChoices("APP_ENV", "FLASK_ENV")
    )
    kafka_bootstrap_servers: str = "127.0.0.1:9092"
    kafka_publish_timeout_s: float = 5.0
    kafka_commit_interval_s: float = 1.0
    # Records handled at once per process: Little's law sizes it, e.g. 100 messages/s at
    # ~1.8 s per LLM call is ~180 in flight.
    kafka_max_in_flight: int = 256
    kafka_max_buffered_per_partition: int = 1000  # offsets from the committed one on
    max_poll_interval_s: float = 300.0
    # How long a record may wait out a dependency that is away before it is dead-lettered.
    max_outage_wait_s: float = 3600.0
    otel_exporter_otlp_endpoint: str | None = None
    log_level: str = "INFO"
    log_repeat_interval_s: float = 10.0  # repeated warnings: a few per interval, then a count
    aws_region: str = "us-east-1"
    aws_endpoint_url: str | None = None
    secrets_manager_secret_id: str = "feedback-intelligence"
    http_host: str = "0.0.0.0"
    http_port: int = 8080
    max_body_bytes: int = 1024 * 1024  # every request body; larger ones get 413 unread

    @property
    def is_local(self) -> bool:
        """Local mode reads the environment only and accepts placeholder secrets."""
        return self.environment.lower() == "local"


SettingsT = TypeVar("SettingsT", bound=ServiceSettings)


def load_settings(cls: type[SettingsT], **overrides: Any) -> SettingsT:
    """Load and validate settings once at start-up, failing fast with what is missing."""
    env_file = local_env_file(overrides)
    base = _validate(ServiceSettings, {"_env_file": env_file, **overrides})
    merged = {"_env_file": env_file, **overrides}
    if not base.is_local and base.secrets_manager_secret_id:
        merged = {**_secrets_manager_values(base, cls), **overrides}
    settings = _validate(cls, merged)
    if not settings.is_local:
        _refuse_placeholders(settings)
    return settings


def local_env_file(overrides: dict[str, Any] | None = None) -> Path | None:
    """`.env`, when there is one and local mode is on: set in the environment, or in the file
    itself (the environment wins). Outside local mode no file is read."""
    if not ENV_FILE.is_file():
        return None
    with_file = ServiceSettings(_env_file=ENV_FILE, **(overrides or {}))
    return ENV_FILE if with_file.is_local else None


def _validate(cls: type[SettingsT], values: dict[str, Any]) -> SettingsT:
    try:
        return cls(**values)
    except ValidationError as error:
        problems = [
            f"{'.'.join(str(part) for part in item['loc']).upper()}: {item['msg']}"
            for item in error.errors()
        ]
        raise SettingsError(f"{cls.__name__} invalid: " + "; ".join(problems)) from None


def _secrets_manager_values(base: ServiceSettings, cls: type[ServiceSettings]) -> dict[str, Any]:
    client = boto3.client(
        "secretsmanager", region_name=base.aws_region, endpoint_url=base.aws_endpoint_url
    )
    try:
        secret = client.get_secret_value(SecretId=base.secrets_manager_secret_id)
    except Exception as error:
        raise SettingsError(
            f"cannot read AWS Secrets Manager secret {base.secrets_manager_secret_id!r}: {error}"
        ) from error
    values: dict[str, Any] = json.loads(secret.get("SecretString") or "{}")
    known = set(cls.model_fields)
    return {key.lower(): value for key, value in values.items() if key.lower() in known}


def _refuse_placeholders(settings: ServiceSettings) -> None:
    weak = [
        name.upper()
        for name, value in settings
        if isinstance(value, SecretStr) and value.get_secret_value().lower() in PLACEHOLDERS
    ]
    if weak:
        raise SettingsError(f"placeholder secrets outside local mode: {', '.join(weak)}")
