"""A minimal OTLP/HTTP trace receiver that keeps every span it is sent."""

from __future__ import annotations

import gzip
import threading
from dataclasses import dataclass, field

from fastapi import FastAPI, Request, Response
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.proto.common.v1.common_pb2 import AnyValue


@dataclass(frozen=True)
class ReceivedSpan:
    """The parts of a span the tests look at."""

    trace_id: str
    service: str
    name: str
    attributes: dict[str, str]


@dataclass
class SpanLog:
    """Spans received so far."""

    spans: list[ReceivedSpan] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def traces_with(self, key: str, value: str) -> set[str]:
        """Trace ids of spans carrying this attribute value."""
        with self.lock:
            return {s.trace_id for s in self.spans if s.attributes.get(key) == value}

    def services_in(self, trace_id: str) -> set[str]:
        """Service names that reported spans of this trace."""
        with self.lock:
            return {s.service for s in self.spans if s.trace_id == trace_id}


def _text(value: AnyValue) -> str:
    """An attribute's value as text, whatever its type (strings, ints, floats, booleans)."""
    kind = value.WhichOneof("value")
    return "" if kind is None else str(getattr(value, kind))


def create_app(log: SpanLog) -> FastAPI:
    """`POST /v1/traces` with protobuf bodies, as OTLPSpanExporter sends them."""
    app = FastAPI(title="OTLP receiver")

    @app.post("/v1/traces")
    async def traces(request: Request) -> Response:
        body = await request.body()
        if request.headers.get("content-encoding") == "gzip":
            body = gzip.decompress(body)
        export = ExportTraceServiceRequest.FromString(body)
        received = []
        for resource_spans in export.resource_spans:
            attributes = {a.key: a.value.string_value for a in resource_spans.resource.attributes}
            service = attributes.get("service.name", "")
            for scope in resource_spans.scope_spans:
                for span in scope.spans:
                    received.append(
                        ReceivedSpan(
                            trace_id=span.trace_id.hex(),
                            service=service,
                            name=span.name,
                            attributes={a.key: _text(a.value) for a in span.attributes},
                        )
                    )
        with log.lock:
            log.spans.extend(received)
        return Response(status_code=200, media_type="application/x-protobuf")

    return app
