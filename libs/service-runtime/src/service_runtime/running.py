"""Serving one service: settings loaded once, JSON logs, tracing, uvicorn."""

from __future__ import annotations

import contextlib
import signal
import socket
import sys
from collections.abc import Callable
from types import FrameType

import uvicorn
from starlette.types import ASGIApp

from service_runtime.collector import settle_collector
from service_runtime.logs import configure_logging
from service_runtime.settings import ServiceSettings, SettingsError, SettingsT, load_settings
from service_runtime.tracing import setup_tracing

STARTUP_FAILURE = 3  # uvicorn's exit code when the app did not start


def run_service(
    settings_class: type[SettingsT], create_app: Callable[[SettingsT], ASGIApp]
) -> None:
    """A service's entrypoint: load settings (exit naming what is missing), then serve."""
    try:
        settings = load_settings(settings_class)
    except SettingsError as error:
        sys.exit(f"{settings_class.__name__}: {error}")
    serve(create_app(settings), settings)


def serve(app: ASGIApp, settings: ServiceSettings) -> None:
    """Run a service: JSON logs, tracing, uvicorn with graceful SIGTERM handling, and the
    garbage collector set for a long run once the app has started (`_Server`).

    uvicorn's own X-Forwarded-* rewriting is off: the services decide which proxy headers
    they trust (ingress's TRUST_PROXY_HEADERS), not the server's defaults."""
    configure_logging(
        settings.service_name, settings.log_level, repeat_interval_s=settings.log_repeat_interval_s
    )
    setup_tracing(settings.service_name, otlp_endpoint=settings.otel_exporter_otlp_endpoint)
    config = uvicorn.Config(
        app,
        host=settings.http_host,
        port=settings.http_port,
        log_config=None,
        proxy_headers=False,
        timeout_graceful_shutdown=20,
    )
    server = _Server(config)
    with contextlib.suppress(KeyboardInterrupt):
        server.run()
    if not server.started:
        sys.exit(STARTUP_FAILURE)


class _Server(uvicorn.Server):
    """uvicorn's server, with the garbage collector set for a long run once the app has started
    (`settle_collector`). In the default pipeline benchmark the analyzer's collections took
    9.0-9.3 % of its CPU, the longest ~200 ms; frozen, 6.1-6.4 %; with the threshold too, 1.9 %,
    the messenger's 4.1 % -> 0.75 % (docs/benchmarks.md)."""

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        if self.started:
            settle_collector()

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        """SIGTERM, Kubernetes' stop, is a graceful shutdown; once it has run, the process
        exits 0. uvicorn would raise the signal again after shutdown (since 0.29), and the
        process would die of it (status 143) after a clean stop."""
        super().handle_exit(sig, frame)
        if sig == signal.SIGTERM:
            self._captured_signals.remove(sig)
