"""OpenTelemetry: provider set-up, instrumentations, and context through Kafka headers."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from fastapi import FastAPI
from opentelemetry import context, propagate, trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import SpanProcessor, TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor

_instrumented = False


def setup_tracing(
    service_name: str,
    *,
    otlp_endpoint: str | None = None,
    extra_processor: SpanProcessor | None = None,
) -> TracerProvider:
    """Install a tracer provider (OTLP export when configured) and the instrumentations."""
    provider = TracerProvider(resource=Resource.create({"service.name": service_name}))
    if otlp_endpoint:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        endpoint = otlp_endpoint.rstrip("/") + "/v1/traces"
        provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(endpoint=endpoint)))
    if extra_processor is not None:
        provider.add_span_processor(extra_processor)
    trace.set_tracer_provider(provider)
    _instrument_libraries()
    return provider


def _instrument_libraries() -> None:
    global _instrumented
    if _instrumented:
        return
    from opentelemetry.instrumentation.aiokafka import AIOKafkaInstrumentor
    from opentelemetry.instrumentation.botocore import BotocoreInstrumentor

    AIOKafkaInstrumentor().instrument()
    BotocoreInstrumentor().instrument()  # type: ignore[no-untyped-call]
    _instrumented = True


def instrument_app(app: FastAPI) -> None:
    """Trace every request of a FastAPI app, except the probes."""
    from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor

    FastAPIInstrumentor.instrument_app(
        app, excluded_urls="healthz,readyz", exclude_spans=["receive", "send"]
    )


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
        tracer = trace.get_tracer("service_runtime")
        with tracer.start_as_current_span(span_name, kind=trace.SpanKind.CONSUMER) as span:
            yield span
    finally:
        context.detach(token)
