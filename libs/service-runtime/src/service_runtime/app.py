"""The FastAPI shell every service runs in: publisher, consumer loop, probes, lifespan."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable, Sequence

from fastapi import APIRouter, FastAPI
from starlette.datastructures import Headers

from service_runtime.bodies import BodyGuard
from service_runtime.consumer_config import ConsumerConfig
from service_runtime.consuming import ConsumerLoop
from service_runtime.health import health_router
from service_runtime.inprocess import InProcessBus
from service_runtime.kafka_publisher import KafkaPublisher
from service_runtime.settings import ServiceSettings
from service_runtime.tracing import server_telemetry
from service_runtime.wiring import Consumer, EventBus, Wire, Wiring

log = logging.getLogger(__name__)


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
    shell = _Shell(settings, wire, consumer or ConsumerConfig.of_service(settings), bus)
    app = FastAPI(
        title=settings.service_name, lifespan=shell.lifespan, telemetry=server_telemetry()
    )
    app.add_middleware(BodyGuard, limit=settings.max_body_bytes, authorized=authorize_body)
    app.include_router(health_router(live=shell.live, ready=shell.ready))
    for router in routers:
        app.include_router(router)
    return app


class _Shell:
    """One app's running parts: the bus, its consumer and the service's own tasks."""

    def __init__(
        self,
        settings: ServiceSettings,
        wire: Wire,
        config: ConsumerConfig,
        bus: InProcessBus | None,
    ) -> None:
        self._settings, self._wire, self._config, self._bus = settings, wire, config, bus
        self._publisher: EventBus | None = None
        self._loop: Consumer | None = None

    @contextlib.asynccontextmanager
    async def lifespan(self, app: FastAPI) -> AsyncIterator[None]:
        """Start the publisher, wire the service, run its consumer and tasks; stop in reverse."""
        publisher = self._bus or await _kafka_publisher(self._settings)
        self._publisher = app.state.publisher = publisher
        wiring = await self._wire(app, publisher)
        task = self._start_consumer(wiring, publisher)
        stopping = asyncio.Event()
        own = [asyncio.create_task(work(stopping)) for work in wiring.tasks]
        try:
            yield
        finally:
            stopping.set()
            await asyncio.gather(*own, return_exceptions=True)
            if task is not None and self._loop is not None:
                self._loop.stop()
                await task
            for close in reversed(wiring.closers):
                await close()
            await publisher.stop()

    def _start_consumer(self, wiring: Wiring, publisher: EventBus) -> asyncio.Task[None] | None:
        if not wiring.handlers:
            return None
        name = self._settings.service_name
        self._loop = (
            self._bus.subscribe(name, wiring.handlers)
            if self._bus is not None
            else ConsumerLoop(
                self._config,
                handlers=wiring.handlers,
                dead_letters=publisher,
                transient=wiring.transient,
                on_share=wiring.on_share,
            )
        )
        return asyncio.create_task(run_forever(self._loop), name=f"{name}-consumer")

    def live(self) -> bool:
        """The consumer (if any) makes progress."""
        return self._loop is None or self._loop.is_live()

    async def ready(self) -> bool:
        """Kafka answers, and no record is waiting out an unavailable dependency."""
        if self._publisher is None:
            return False
        waiting = self._loop is not None and self._loop.unavailable is not None
        return not waiting and await self._publisher.ping()


async def _kafka_publisher(settings: ServiceSettings) -> KafkaPublisher:
    publisher = KafkaPublisher(
        settings.kafka_bootstrap_servers,
        client_id=settings.service_name,
        timeout_s=settings.kafka_publish_timeout_s,
    )
    await publisher.start()
    return publisher


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
