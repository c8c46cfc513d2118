"""Settings fail fast and refuse placeholders; logs are JSON with masked numbers and secrets."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest
from pydantic import SecretStr

from service_runtime.logs import JsonFormatter, correlation_id, mask, register_secrets
from service_runtime.settings import OptionalSecret, ServiceSettings, SettingsError, load_settings

pytestmark = pytest.mark.unit


class ExampleSettings(ServiceSettings):
    twilio_auth_token: SecretStr
    database_url: str


def test_missing_setting_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FLASK_ENV", "local")
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", "x" * 32)
    with pytest.raises(SettingsError, match="DATABASE_URL: Field required"):
        load_settings(ExampleSettings)


def test_local_mode_reads_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FLASK_ENV", "local")
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", "changeme")
    monkeypatch.setenv("DATABASE_URL", "sqlite://")
    settings = load_settings(ExampleSettings)
    assert settings.is_local and settings.database_url == "sqlite://"


def test_a_dotenv_file_is_read_in_local_mode_under_the_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    (tmp_path / ".env").write_text(
        "FLASK_ENV=local\nTWILIO_AUTH_TOKEN=from-the-file\nDATABASE_URL=sqlite:///file.db\n"
    )
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("FLASK_ENV", raising=False)
    monkeypatch.setenv("DATABASE_URL", "sqlite:///env.db")
    settings = load_settings(ExampleSettings)
    assert settings.is_local
    assert settings.twilio_auth_token.get_secret_value() == "from-the-file"
    assert settings.database_url == "sqlite:///env.db"  # the environment wins


def test_a_dotenv_file_is_ignored_outside_local_mode(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    (tmp_path / ".env").write_text("FLASK_ENV=local\nDATABASE_URL=sqlite:///file.db\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("APP_ENV", "production")
    monkeypatch.setenv("SECRETS_MANAGER_SECRET_ID", "")
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", "x" * 32)
    with pytest.raises(SettingsError, match="DATABASE_URL: Field required"):
        load_settings(ExampleSettings)


def test_placeholder_secret_refused_outside_local_mode() -> None:
    with pytest.raises(SettingsError, match="TWILIO_AUTH_TOKEN"):
        from service_runtime.settings import _refuse_placeholders

        _refuse_placeholders(
            ExampleSettings(
                environment="production", twilio_auth_token="changeme", database_url="x"
            )
        )


class WithOptionalKey(ServiceSettings):
    openai_api_key: OptionalSecret = None


def test_an_optional_secret_set_empty_is_unset(monkeypatch: pytest.MonkeyPatch) -> None:
    """docker compose passes `OPENAI_API_KEY: ${OPENAI_API_KEY:-}`: empty means no key."""
    monkeypatch.setenv("FLASK_ENV", "local")
    monkeypatch.setenv("OPENAI_API_KEY", "")
    assert load_settings(WithOptionalKey).openai_api_key is None
    monkeypatch.setenv("OPENAI_API_KEY", "sk-x")
    key = load_settings(WithOptionalKey).openai_api_key
    assert key is not None and key.get_secret_value() == "sk-x"


def test_mask_hides_phone_numbers_and_secrets() -> None:
    register_secrets("super-secret-value")
    text = mask(
        "from whatsapp:+14155238886 key sk-abcdefghijkl token super-secret-value "
        "Bearer abc.def auth 0123456789abcdef0123456789abcdef"
    )
    assert "4155238886" not in text and "***8886" in text
    assert "sk-abc" not in text and "super-secret-value" not in text
    assert "abc.def" not in text and "0123456789abcdef" not in text


def test_json_log_line_carries_correlation_id() -> None:
    record = logging.LogRecord("x", logging.INFO, "f", 1, "sent to +15550001234", None, None)
    token = correlation_id.set("SM123")
    try:
        line = json.loads(JsonFormatter("svc").format(record))
    finally:
        correlation_id.reset(token)
    assert line["correlation_id"] == "SM123"
    assert line["message"] == "sent to ***1234"
    assert line["service"] == "svc"


def test_repeated_warnings_are_summarized_with_a_count() -> None:
    from service_runtime.logs import RepeatsSummarized

    summarize = RepeatsSummarized(interval_s=10, burst=2)

    def record(at: float, level: int = logging.WARNING) -> logging.LogRecord:
        line = logging.LogRecord("aiokafka", level, "", 0, "Unable connect to node %s", (1,), None)
        line.created = at
        return line

    passed = [r for r in (record(t / 10) for t in range(100)) if summarize.filter(r)]
    assert len(passed) == 2  # 100 lines in 10 s: the first two
    later = record(12.0)
    assert summarize.filter(later) and later.suppressed_repeats == 98
    assert all(summarize.filter(record(12.0, logging.INFO)) for _ in range(10))


def test_access_log_lines_lose_their_query_strings() -> None:
    from service_runtime.logs import QueryStringsDropped

    line = logging.LogRecord(
        "uvicorn.access",
        logging.INFO,
        "",
        0,
        '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:5000", "GET", "/feedback?sender_id=whatsapp%3A%2B15551234567", "1.1", 200),
        None,
    )
    assert QueryStringsDropped().filter(line)
    assert line.getMessage() == '127.0.0.1:5000 - "GET /feedback HTTP/1.1" 200'


def test_a_number_in_an_access_logs_path_is_masked_though_uvicorn_percent_encodes_it() -> None:
    from service_runtime.logs import JsonFormatter, QueryStringsDropped

    line = logging.LogRecord(
        "uvicorn.access",
        logging.INFO,
        "",
        0,
        '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:5000", "DELETE", "/customers/whatsapp%3A%2B15551234567", "1.1", 202),
        None,
    )
    assert QueryStringsDropped().filter(line)
    logged = JsonFormatter("persistence").format(line)
    assert "5551234567" not in logged and "/customers/whatsapp:***4567" in logged


def test_spans_leave_without_a_customers_number_in_their_url() -> None:
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    from service_runtime.tracing import PersonalDataMasked

    exported = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(PersonalDataMasked())
    provider.add_span_processor(SimpleSpanProcessor(exported))
    attributes = {
        "url.path": "/customers/whatsapp%3A%2B15551234567",
        "url.query": "sender_id=whatsapp%3A%2B15551234567&limit=5",
        "http.route": "/customers/{sender_id}",
    }
    provider.get_tracer("test").start_span("DELETE", attributes=attributes).end()
    (span,) = exported.get_finished_spans()
    assert span.attributes is not None
    assert span.attributes["url.path"] == "/customers/whatsapp:***4567"
    assert span.attributes["url.query"] == "sender_id=whatsapp:***4567&limit=5"
    assert "5551234567" not in str(dict(span.attributes))
