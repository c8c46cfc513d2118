"""JSON logs with trace and correlation ids; phone numbers and secrets masked."""

from __future__ import annotations

import json
import logging
import re
import sys
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

from opentelemetry import trace

correlation_id: ContextVar[str | None] = ContextVar("correlation_id", default=None)

_PHONE = re.compile(r"(?<![\w.])(\+?\d[\d -]{6,}(\d{4}))(?![\w.])")
_SECRET_PATTERNS = (
    re.compile(r"sk-[A-Za-z0-9_-]{8,}"),
    re.compile(r"(?i)(bearer\s+)\S+"),
    re.compile(r"\b[0-9a-f]{32}\b"),
)
_known_secrets: set[str] = set()
_STANDARD = set(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {"message"}


def register_secrets(*values: str) -> None:
    """Mask these exact values wherever they appear in a log line."""
    _known_secrets.update(value for value in values if len(value) >= 6)


def mask(text: str) -> str:
    """Mask phone numbers (keeping the last four digits) and anything secret-looking."""
    for secret in _known_secrets:
        text = text.replace(secret, "***")
    for pattern in _SECRET_PATTERNS:
        text = pattern.sub(lambda m: (m.group(1) if m.groups() else "") + "***", text)
    return _PHONE.sub(lambda m: "***" + m.group(2), text)


class JsonFormatter(logging.Formatter):
    """One JSON object per line, with the active span and correlation id."""

    def __init__(self, service: str) -> None:
        super().__init__()
        self.service = service

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname,
            "service": self.service,
            "logger": record.name,
            "message": mask(record.getMessage()),
        }
        span = trace.get_current_span().get_span_context()
        if span.is_valid:
            entry["trace_id"] = format(span.trace_id, "032x")
            entry["span_id"] = format(span.span_id, "016x")
        if (current := correlation_id.get()) is not None:
            entry["correlation_id"] = current
        for key, value in record.__dict__.items():
            if key not in _STANDARD and not key.startswith("_"):
                entry[key] = mask(str(value))
        if record.exc_info:
            entry["exception"] = mask(self.formatException(record.exc_info))
        return json.dumps(entry)


def configure_logging(service: str, level: str = "INFO") -> None:
    """Route the root logger to stdout as JSON."""
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(JsonFormatter(service))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    logging.getLogger("aiokafka").setLevel(max(root.level, logging.WARNING))
