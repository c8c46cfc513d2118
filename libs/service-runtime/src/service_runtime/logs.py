"""JSON logs with trace and correlation ids; phone numbers and secrets masked."""

from __future__ import annotations

import json
import logging
import re
import sys
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any
from urllib.parse import unquote

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


class RepeatsSummarized(logging.Filter):
    """Lets the first `burst` warnings of one kind (logger and message template) through in
    each `interval_s`, drops the rest and counts them on the next line of that kind let through.

    During an outage every client retry logs the same line (aiokafka logged ~120,000 "Unable
    connect to node" lines in 16 s of a broker restart); the count keeps what they said."""

    def __init__(self, *, interval_s: float = 10.0, burst: int = 5) -> None:
        super().__init__()
        self._interval_s, self._burst = interval_s, burst
        self._windows: dict[tuple[str, object], tuple[float, int, int]] = {}

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno < logging.WARNING:
            return True
        key = (record.name, record.msg)
        start, passed, dropped = self._windows.get(key, (record.created, 0, 0))
        if record.created - start >= self._interval_s:
            if dropped:
                record.suppressed_repeats = dropped
            start, passed, dropped = record.created, 0, 0
        if passed >= self._burst:
            self._windows[key] = (start, passed, dropped + 1)
            return False
        if len(self._windows) > 10_000:  # messages formatted before logging: no fixed template
            self._windows.clear()
        self._windows[key] = (start, passed + 1, 0)
        return True


class QueryStringsDropped(logging.Filter):
    """Access-log lines keep the path, percent-decoded, and drop the query: a query carries
    customers' numbers, and uvicorn logs a path percent-encoded (`/customers/whatsapp%3A%2B1555…`),
    past any masking of digits; decoded, the formatter masks the number in it."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple) and len(record.args) >= 3:
            path = unquote(str(record.args[2]).split("?", 1)[0])
            record.args = (*record.args[:2], path, *record.args[3:])
        return True


def configure_logging(service: str, level: str = "INFO", *, repeat_interval_s: float = 10) -> None:
    """Route the root logger to stdout as JSON, repeated warnings summarized per interval
    (every line kept when the interval is 0)."""
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(JsonFormatter(service))
    if repeat_interval_s > 0:
        handler.addFilter(RepeatsSummarized(interval_s=repeat_interval_s))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # Client libraries' INFO lines are per request (the twilio SDK logs each URL with its query,
    # a customer's number among them): warnings and above only.
    for library in ("aiokafka", "twilio"):
        logging.getLogger(library).setLevel(max(root.level, logging.WARNING))
    access = logging.getLogger("uvicorn.access")
    if not any(isinstance(f, QueryStringsDropped) for f in access.filters):
        access.addFilter(QueryStringsDropped())
