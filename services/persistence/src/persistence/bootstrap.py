"""Composition root: create the engine once and wire it into the handlers and the API; a
test passes its own (`create_app(settings, adapters=PersistenceAdapters(InMemoryFeedbackRecords(),
InMemoryMediaLinks()))`)."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass, field

import boto3
import httpx
from fastapi import FastAPI
from sqlalchemy.orm import sessionmaker

from feedback_contracts import (
    DeliveryStatus,
    ErasureRequested,
    ErasureStepDone,
    FeedbackCompleted,
    FeedbackTagged,
    MediaStored,
    ReplyFailed,
    ReplySent,
)
from persistence.adapters.s3_media_links import S3MediaLinks
from persistence.adapters.sql_store import FeedbackStore
from persistence.alerts_proxy import alerts_proxy
from persistence.api import replies_router, router
from persistence.backfill import BackfillPolicy, run_backfill
from persistence.erasure_api import erasure_router
from persistence.feedback_requests_api import requests_router
from persistence.handlers import (
    handle_delivery_status,
    handle_erasure_requested,
    handle_erasure_step_done,
    handle_feedback_completed,
    handle_feedback_tagged,
    handle_media_stored,
    handle_reply_failed,
    handle_reply_sent,
    replies_writer,
)
from persistence.insights_api import insights_router
from persistence.media_links import MediaLinks
from persistence.owner_page import owner_router
from persistence.records import FeedbackRecords
from persistence.settings import PersistenceSettings
from persistence.topics_api import topics_router
from service_runtime.app import service_app
from service_runtime.auth import bearer_matches
from service_runtime.inprocess import InProcessBus
from service_runtime.logs import register_secrets
from service_runtime.processing import Handler
from service_runtime.publishing import Publisher
from service_runtime.routing import by_topic, on
from service_runtime.sql import database_unavailable, engine_for
from service_runtime.wiring import Closer, Wiring


@dataclass
class PersistenceAdapters:
    """The feedback records, the photos' links, and what to close at shutdown."""

    records: FeedbackRecords
    media_links: MediaLinks
    closers: list[Closer] = field(default_factory=list)


def adapters_for(settings: PersistenceSettings) -> PersistenceAdapters:
    """The SQL store on the configured database; presigned links for the browser's S3."""
    engine = engine_for(settings.database_url, settings.database_pool_size)
    _instrument(engine)
    store = FeedbackStore(sessionmaker(engine, expire_on_commit=False))
    endpoint = settings.media_link_endpoint_url or settings.aws_endpoint_url
    s3 = boto3.client("s3", region_name=settings.aws_region, endpoint_url=endpoint)

    async def close() -> None:
        store.release_backfill_lease()
        engine.dispose()

    return PersistenceAdapters(store, S3MediaLinks(s3, ttl_s=settings.media_link_ttl_s), [close])


def backfill_policy(settings: PersistenceSettings) -> BackfillPolicy:
    """How the re-tag jobs step through the rows."""
    return BackfillPolicy(
        batch=settings.backfill_batch_size,
        pause_s=settings.backfill_pause_s,
        idle_s=settings.backfill_idle_s,
    )


def handlers(store: FeedbackRecords) -> Mapping[str, Handler]:
    """Each event the records are built from, to its handler."""
    replies = replies_writer(store)
    return by_topic(
        on(FeedbackCompleted, functools.partial(handle_feedback_completed, store=store)),
        on(MediaStored, functools.partial(handle_media_stored, store=store)),
        on(FeedbackTagged, functools.partial(handle_feedback_tagged, store=store)),
        on(ReplySent, functools.partial(handle_reply_sent, replies=replies)),
        on(ReplyFailed, functools.partial(handle_reply_failed, store=store, replies=replies)),
        on(DeliveryStatus, functools.partial(handle_delivery_status, store=store)),
        on(ErasureRequested, functools.partial(handle_erasure_requested, store=store)),
        on(ErasureStepDone, functools.partial(handle_erasure_step_done, store=store)),
    )


ROUTERS = (
    router,
    replies_router,
    topics_router,
    insights_router,
    erasure_router,
    requests_router,
    owner_router,
    alerts_proxy,
)


def create_app(
    settings: PersistenceSettings,
    *,
    bus: InProcessBus | None = None,
    adapters: PersistenceAdapters | None = None,
) -> FastAPI:
    """The persistence service as a FastAPI app; `adapters` replaces PostgreSQL and S3."""
    secret = settings.intelligence_api_secret.get_secret_value()
    register_secrets(secret)

    async def wire(app: FastAPI, publisher: Publisher) -> Wiring:
        used = adapters or adapters_for(settings)
        app.state.records, app.state.media_links = used.records, used.media_links
        app.state.api_secret = secret
        app.state.alerts = httpx.AsyncClient(base_url=settings.alerts_url, timeout=15.0)
        backfill = functools.partial(
            run_backfill, used.records, publisher, backfill_policy(settings)
        )
        return Wiring(
            handlers=handlers(used.records),
            closers=[*used.closers, app.state.alerts.aclose],
            transient=(database_unavailable,),
            tasks=[backfill],
        )

    return service_app(
        settings,
        wire=wire,
        routers=ROUTERS,
        bus=bus,
        # Every route with a body is the owner's API: the token before a byte of it is read.
        authorize_body=lambda path, headers: bearer_matches(headers.get("authorization"), secret),
    )


def _instrument(engine: object) -> None:
    from opentelemetry.instrumentation.sqlalchemy import SQLAlchemyInstrumentor

    SQLAlchemyInstrumentor().instrument(engine=engine)
