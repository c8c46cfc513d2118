"""What a composition root hands the service shell, and what the shell runs on."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Coroutine, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from fastapi import FastAPI

from service_runtime.failures import Classifier
from service_runtime.processing import Handler, RawPublisher
from service_runtime.publishing import Publisher

Closer = Callable[[], Awaitable[None]]


@dataclass
class Wiring:
    """What a composition root hands the shell: handlers per topic and what to close."""

    handlers: Mapping[str, Handler] = field(default_factory=dict)
    closers: list[Closer] = field(default_factory=list)
    transient: tuple[Classifier, ...] = ()  # the service's own "dependency away" errors
    # Told, at each assignment, the share of each topic's partitions this process owns.
    on_share: Callable[[Mapping[str, float]], None] | None = None
    # Work of the service's own beside the consumer loop (a backfill): each runs until the
    # event is set at shutdown, before the closers.
    tasks: list[Callable[[asyncio.Event], Coroutine[Any, Any, None]]] = field(default_factory=list)


Wire = Callable[[FastAPI, Publisher], Awaitable[Wiring]]


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
