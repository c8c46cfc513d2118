"""Settings of the media service."""

from __future__ import annotations

from pydantic import SecretStr

from service_runtime.settings import OptionalSecret, ServiceSettings


class MediaSettings(ServiceSettings):
    """Typed settings, loaded once at start-up."""

    service_name: str = "media"
    http_port: int = 8003
    twilio_account_sid: str
    twilio_auth_token: SecretStr
    s3_bucket_name: str = "theunce-project"
    media_retention_days: int = 365  # an S3 lifecycle rule expires customers' media
    twilio_api_hosts: list[str] = ["api.twilio.com"]
    media_cdn_hosts: list[str] = ["*.twiliocdn.com", "*.twilio.com", "*.amazonaws.com"]
    media_trusted_private_hosts: list[str] = []
    media_part_size_mb: int = 8
    media_download_attempts: int = 4
    media_timeout_s: float = 30.0
    delete_twilio_media_after_copy: bool = False
    media_parallel_copies: int = 2
    # Voice notes: transcribed when a model is set (OpenAI's /v1/audio/transcriptions on any
    # compatible server); without one the customer is asked to type. The audio is kept either way.
    transcription_model: str | None = None
    openai_api_key: OptionalSecret = None
    openai_base_url: str | None = None
    transcription_timeout_s: float = 60.0
    transcription_max_retries: int = 2
    voice_note_max_seconds: float = 300.0  # read from the Ogg headers; longer ones are refused
