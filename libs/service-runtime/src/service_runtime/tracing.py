"""OpenTelemetry: provider set-up (traces and metrics), server spans, and context through Kafka
headers.

HTTP server spans come from FastAPI's native telemetry (one span a request). Publishing injects
the current context (the request's or the handler's span) into the record's headers, and a
consumer span per handled record continues it, so one inbound message is one trace. There is no
span per publish: the enclosing span already covers the wait for Kafka's acknowledgement, and a
span costs ~50 us of CPU on the webhook's hot path. The aiokafka instrumentation is not used: its
receive span ends before a handler runs, and its send wrapper cost more CPU than the send itself.
"""

from __future__ import annotations

from collections.abc import Iterator, MutableMapping, Sequence
from contextlib import contextmanager
from typing import Any
from urllib.parse import unquote

from fastapi.telemetry import TelemetryConfig
from opentelemetry import context, metrics, propagate, trace
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import MetricReader, PeriodicExportingMetricReader
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import Span, SpanProcessor, TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor

from service_runtime.logs import mask

PROBES = frozenset({"/healthz", "/readyz"})
# The URL attributes HTTP server spans carry: a customer's number can be in the path
# (`DELETE /customers/{sender_id}`) or the query (`GET /feedback?sender_id=`), percent-encoded.
URL_ATTRIBUTES = ("url.path", "url.query", "url.full", "http.target", "http.url")
_tracer = trace.get_tracer("service_runtime")
_instrumented = False


def setup_tracing(
    service_name: str,
    *,
    otlp_endpoint: str | None = None,
    extra_processor: SpanProcessor | None = None,
    extra_reader: MetricReader | None = None,
) -> TracerProvider:
    """Install tracer and meter providers (OTLP export when configured) and the AWS SDK
    instrumentation."""
    resource = Resource.create({"service.name": service_name})
    provider = TracerProvider(resource=resource)
    provider.add_span_processor(PersonalDataMasked())  # first: before any exporter sees a span
    readers: list[MetricReader] = [extra_reader] if extra_reader is not None else []
    if otlp_endpoint:
        from opentelemetry.exporter.otlp.proto.http.metric_exporter import OTLPMetricExporter
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        base = otlp_endpoint.rstrip("/")
        provider.add_span_processor(
            BatchSpanProcessor(OTLPSpanExporter(endpoint=f"{base}/v1/traces"))
        )
        readers.append(
            PeriodicExportingMetricReader(OTLPMetricExporter(endpoint=f"{base}/v1/metrics"))
        )
    if extra_processor is not None:
        provider.add_span_processor(extra_processor)
    trace.set_tracer_provider(provider)
    metrics.set_meter_provider(MeterProvider(resource=resource, metric_readers=readers))
    _instrument_libraries()
    return provider


class PersonalDataMasked(SpanProcessor):
    """Spans leave the process without customers' numbers: the URL attributes are
    percent-decoded and masked as log lines are (`whatsapp:***4567`)."""

    def on_start(self, span: Span, parent_context: context.Context | None = None) -> None:
        attributes = span.attributes or {}
        for key in URL_ATTRIBUTES:
            value = attributes.get(key)
            if isinstance(value, str):
                masked = mask(unquote(value))
                if masked != value:
                    span.set_attribute(key, masked)


def _instrument_libraries() -> None:
    global _instrumented
    if _instrumented:
        return
    from opentelemetry.instrumentation.botocore import BotocoreInstrumentor

    BotocoreInstrumentor().instrument()  # type: ignore[no-untyped-call]
    _instrumented = True


def _is_probe(scope: MutableMapping[str, Any]) -> bool:
    return scope.get("path") in PROBES


def server_telemetry() -> TelemetryConfig:
    """FastAPI's native telemetry: one server span a request, none for the probes."""
    return {"operation_spans": False, "exclude": _is_probe}


def inject_headers() -> list[tuple[str, bytes]]:
    """The current trace context as Kafka headers (W3C traceparent/tracestate)."""
    carrier: dict[str, str] = {}
    propagate.inject(carrier)
    return [(name, value.encode()) for name, value in carrier.items()]


@contextmanager
def continued_from(headers: Sequence[tuple[str, bytes]], span_name: str) -> Iterator[trace.Span]:
    """Run a handler inside a consumer span that continues the trace in `headers`."""
    carrier = {name: value.decode("latin-1") for name, value in headers}
    parent = propagate.extract(carrier)
    token = context.attach(parent)
    try:
        with _tracer.start_as_current_span(span_name, kind=trace.SpanKind.CONSUMER) as span:
            yield span
    finally:
        context.detach(token)
