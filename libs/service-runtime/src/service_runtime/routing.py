"""Handlers registered by the event type they take: the runtime routes each event to the
handler of its type (or of the version it extends) and dead-letters a type nobody takes."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from feedback_contracts import Envelope
from feedback_contracts.envelope import Event
from service_runtime.processing import Handler, PermanentError

EventT = TypeVar("EventT", bound=Event)
EventHandler = Callable[[EventT, Envelope], Awaitable[None]]


@dataclass(frozen=True)
class Route(Generic[EventT]):
    """One event type and the handler that takes it."""

    event: type[EventT]
    handler: EventHandler[EventT]


def on(event: type[EventT], handler: EventHandler[EventT]) -> Route[EventT]:
    """Route events of `event`'s type, and of later versions that extend it, to `handler`."""
    return Route(event, handler)


def by_topic(*routes: Route[Any]) -> dict[str, Handler]:
    """One handler per topic the routes' event types travel on."""
    tables: dict[str, dict[type[Event], EventHandler[Any]]] = defaultdict(dict)
    for route in routes:
        tables[route.event.TOPIC][route.event] = route.handler
    return {topic: _dispatcher(table) for topic, table in tables.items()}


def unwrap(envelope: Envelope) -> tuple[Any, Envelope]:
    """The arguments a typed handler takes: the event, then the envelope it came in."""
    return envelope.data, envelope


def _dispatcher(table: Mapping[type[Event], EventHandler[Any]]) -> Handler:
    async def dispatch(envelope: Envelope) -> None:
        for event_type in type(envelope.data).__mro__:
            if event_type in table:
                await table[event_type](*unwrap(envelope))
                return
        raise PermanentError(f"no handler takes {envelope.type}")

    return dispatch
