"""Composition root: the store and the destinations wired into the handlers, the sender and
the API; a test passes its own (`create_app(settings, adapters=AlertsAdapters(store, fake))`)."""

from __future__ import annotations

import functools
import logging
from dataclasses import dataclass, field

from fastapi import FastAPI
from sqlalchemy.orm import sessionmaker

from alerts.adapters.http_destinations import HttpDestinations
from alerts.adapters.sql_alerts import SqlAlertStore
from alerts.api import alerts_router
from alerts.attempts import RetryPolicy
from alerts.deliveries import AlertStore
from alerts.handlers import Alerting, handle_erasure_requested, handle_feedback_tagged
from alerts.sending import Destinations, Sender, SendingPolicy
from alerts.settings import AlertsSettings
from feedback_contracts import ErasureRequested, FeedbackTagged
from service_runtime.app import service_app
from service_runtime.auth import bearer_matches
from service_runtime.inprocess import InProcessBus
from service_runtime.logs import register_secrets
from service_runtime.publishing import Publisher
from service_runtime.routing import by_topic, on
from service_runtime.sql import database_unavailable, engine_for
from service_runtime.wiring import Closer, Wiring


@dataclass
class AlertsAdapters:
    """The alerts' state, the destinations' transport, and what to close at shutdown."""

    store: AlertStore
    destinations: Destinations
    closers: list[Closer] = field(default_factory=list)


def adapters_for(settings: AlertsSettings) -> AlertsAdapters:
    """The SQL store on the configured database; destinations over HTTP."""
    engine = engine_for(settings.database_url, settings.database_pool_size)
    destinations = HttpDestinations(
        timeout_s=settings.alert_timeout_s, trusted_private=settings.alert_trusted_private_hosts
    )

    async def close() -> None:
        await destinations.close()
        engine.dispose()

    store = SqlAlertStore(sessionmaker(engine, expire_on_commit=False))
    return AlertsAdapters(store, destinations, [close])


def sending_policy(settings: AlertsSettings) -> SendingPolicy:
    """How the sender paces and retries."""
    return SendingPolicy(
        per_destination=settings.alert_per_destination,
        max_in_flight=settings.alert_max_in_flight,
        poll_s=settings.alert_poll_s,
        lease_s=settings.alert_lease_s,
        keep_s=settings.alert_retention_days * 86400,
        retry=RetryPolicy(base_s=settings.alert_retry_base_s, max_s=settings.alert_retry_max_s),
    )


def create_app(
    settings: AlertsSettings,
    *,
    bus: InProcessBus | None = None,
    adapters: AlertsAdapters | None = None,
) -> FastAPI:
    """The alerts service as a FastAPI app."""
    secret = settings.intelligence_api_secret.get_secret_value()
    register_secrets(secret)
    # httpx logs each request's URL at INFO: a destination's URL must never reach a log.
    logging.getLogger("httpx").setLevel(logging.WARNING)

    async def wire(app: FastAPI, publisher: Publisher) -> Wiring:
        used = adapters or adapters_for(settings)
        sender = Sender(used.store, used.destinations, sending_policy(settings))
        deps = Alerting(
            used.store,
            publisher,
            owner_page_url=settings.owner_page_url,
            window_s=settings.alert_give_up_s,
            enqueued=sender.wake,
        )
        _serve_api(app, used, settings, secret, sender)
        return Wiring(
            handlers=by_topic(
                on(FeedbackTagged, functools.partial(handle_feedback_tagged, deps=deps)),
                on(ErasureRequested, functools.partial(handle_erasure_requested, deps=deps)),
            ),
            closers=used.closers,
            transient=(database_unavailable,),
            tasks=[sender.run],
        )

    return service_app(
        settings,
        wire=wire,
        routers=(alerts_router,),
        bus=bus,
        authorize_body=lambda path, headers: bearer_matches(headers.get("authorization"), secret),
    )


def _serve_api(
    app: FastAPI, used: AlertsAdapters, settings: AlertsSettings, secret: str, sender: Sender
) -> None:
    """What the API's routes are given."""
    app.state.store, app.state.api_secret = used.store, secret
    app.state.trusted_private = tuple(settings.alert_trusted_private_hosts)
    app.state.window_s, app.state.enqueued = settings.alert_give_up_s, sender.wake
    app.state.destinations, app.state.owner_page_url = used.destinations, settings.owner_page_url
