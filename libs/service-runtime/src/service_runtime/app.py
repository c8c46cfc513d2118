"""The FastAPI shell every service runs in: publisher, consumer loop, probes, lifespan."""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import logging
import socket
import sys
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import uvicorn
from fastapi import APIRouter, FastAPI
from starlette.datastructures import Headers
from starlette.types import ASGIApp

from service_runtime.bodies import BodyGuard
from service_runtime.collector import settle_collector
from service_runtime.consuming import ConsumerConfig, ConsumerLoop, Handler
from service_runtime.failures import Classifier
from service_runtime.health import health_router
from service_runtime.inprocess import InProcessBus
from service_runtime.logs import configure_logging
from service_runtime.processing import RawPublisher
from service_runtime.publishing import KafkaPublisher, Publisher
from service_runtime.settings import ServiceSettings, SettingsError, SettingsT, load_settings
from service_runtime.tracing import server_telemetry, setup_tracing

log = logging.getLogger(__name__)


@dataclass
class Wiring:
    """What a composition root hands the shell: handlers per topic and what to close."""

    handlers: Mapping[str, Handler] = field(default_factory=dict)
    closers: list[Callable[[], Awaitable[None]]] = field(default_factory=list)
    transient: tuple[Classifier, ...] = ()  # the service's own "dependency away" errors
    # Told, at each assignment, the share of each topic's partitions this process owns.
    on_share: Callable[[Mapping[str, float]], None] | None = None
    # Work of the service's own beside the consumer loop (a backfill): each runs until the
    # event is set at shutdown, before the closers.
    tasks: list[Callable[[asyncio.Event], Coroutine[Any, Any, None]]] = field(default_factory=list)


class EventBus(Publisher, RawPublisher, Protocol):
    """What a service needs of its event bus: Kafka, or the in-process bus."""

    async def ping(self) -> bool: ...

    async def stop(self) -> None: ...


class Consumer(Protocol):
    """A running consumer of the service's topics."""

    async def run(self) -> None: ...

    def stop(self) -> None: ...

    @property
    def stopping(self) -> bool: ...

    @property
    def unavailable(self) -> str | None: ...

    def is_live(self) -> bool: ...


Wire = Callable[[FastAPI, Publisher], Awaitable[Wiring]]


def service_app(
    settings: ServiceSettings,
    *,
    wire: Wire,
    routers: Sequence[APIRouter] = (),
    consumer: ConsumerConfig | None = None,
    bus: InProcessBus | None = None,
    authorize_body: Callable[[str, Headers], bool] | None = None,
) -> FastAPI:
    """A FastAPI app whose lifespan starts the publisher, the wiring and the consumer loop;
    on Kafka, or on an in-process bus shared with the other services of the same process.
    Request bodies are bounded by `MAX_BODY_BYTES` and, where `authorize_body(path, headers)`
    says no, refused before they are read (`service_runtime.bodies`)."""
    state: dict[str, Consumer] = {}

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        publisher: EventBus = bus if bus is not None else await _kafka_publisher(settings)
        app.state.publisher = publisher
        wiring = await wire(app, publisher)
        task = None
        if wiring.handlers:
            loop: Consumer = (
                bus.subscribe(settings.service_name, wiring.handlers)
                if bus is not None
                else ConsumerLoop(
                    consumer or default_consumer_config(settings),
                    handlers=wiring.handlers,
                    dead_letters=publisher,
                    transient=wiring.transient,
                    on_share=wiring.on_share,
                )
            )
            state["loop"] = loop
            task = asyncio.create_task(run_forever(loop), name=f"{settings.service_name}-consumer")
        stopping = asyncio.Event()
        own = [asyncio.create_task(work(stopping)) for work in wiring.tasks]
        try:
            yield
        finally:
            stopping.set()
            await asyncio.gather(*own, return_exceptions=True)
            if task is not None:
                state["loop"].stop()
                await task
            for close in reversed(wiring.closers):
                await close()
            await publisher.stop()

    app = FastAPI(title=settings.service_name, lifespan=lifespan, telemetry=server_telemetry())
    app.add_middleware(BodyGuard, limit=settings.max_body_bytes, authorized=authorize_body)

    async def ready() -> bool:
        """Kafka answers, and no record is waiting out an unavailable dependency."""
        publisher: EventBus = app.state.publisher
        loop = state.get("loop")
        return (loop is None or loop.unavailable is None) and await publisher.ping()

    app.include_router(health_router(live=lambda: _live(state.get("loop")), ready=ready))
    for router in routers:
        app.include_router(router)
    return app


async def _kafka_publisher(settings: ServiceSettings) -> KafkaPublisher:
    publisher = KafkaPublisher(
        settings.kafka_bootstrap_servers,
        client_id=settings.service_name,
        timeout_s=settings.kafka_publish_timeout_s,
    )
    await publisher.start()
    return publisher


def default_consumer_config(settings: ServiceSettings) -> ConsumerConfig:
    """One consumer group per service, named after it."""
    return ConsumerConfig(
        bootstrap_servers=settings.kafka_bootstrap_servers,
        group_id=settings.service_name,
        client_id=settings.service_name,
        commit_interval_s=settings.kafka_commit_interval_s,
        max_in_flight=settings.kafka_max_in_flight,
        max_buffered_per_partition=settings.kafka_max_buffered_per_partition,
        max_poll_interval_s=settings.max_poll_interval_s,
        max_transient_wait_s=settings.max_outage_wait_s,
    )


async def run_forever(loop: Consumer, *, backoff_s: float = 2.0) -> None:
    """Run the loop, starting it again after a failure (a broker outage, say) until stopped."""
    while True:
        try:
            await loop.run()
            return
        except Exception:
            if loop.stopping:
                return
            log.exception("consumer loop failed; restarting")
            await asyncio.sleep(backoff_s)


def _live(loop: Consumer | None) -> bool:
    return loop is None or loop.is_live()


class AppFactory(Protocol):
    """A service's `bootstrap.create_app`."""

    def __call__(self, settings: Any, *, bus: InProcessBus | None = None) -> ASGIApp: ...


def entrypoint(service: str) -> tuple[type[ServiceSettings], AppFactory]:
    """A service's settings class and app factory, by the layout every service shares:
    `<service>.settings` defines one ServiceSettings subclass, `<service>.bootstrap` has
    `create_app(settings, *, bus=None)`."""
    settings = importlib.import_module(f"{service}.settings")
    classes = [
        value
        for value in vars(settings).values()
        if isinstance(value, type)
        and issubclass(value, ServiceSettings)
        and value.__module__ == settings.__name__
    ]
    if len(classes) != 1:
        raise LookupError(f"{service}.settings must define one ServiceSettings subclass")
    create_app: AppFactory = importlib.import_module(f"{service}.bootstrap").create_app
    return classes[0], create_app


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


STARTUP_FAILURE = 3  # uvicorn's exit code when the app did not start


class _Server(uvicorn.Server):
    """uvicorn's server, with the garbage collector set for a long run once the app has started
    (`settle_collector`). In the default pipeline benchmark the analyzer's collections took
    9.0-9.3 % of its CPU, the longest ~200 ms; frozen, 6.1-6.4 %; with the threshold too, 1.9 %,
    the messenger's 4.1 % -> 0.75 % (docs/benchmarks.md)."""

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        if self.started:
            settle_collector()
