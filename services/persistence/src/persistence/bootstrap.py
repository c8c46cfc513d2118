"""Composition root: create the engine once and wire it into the handlers and the API; a
test passes its own records (`create_app(settings, records=InMemoryFeedbackRecords())`)."""

from __future__ import annotations

import functools
from collections.abc import Callable

import boto3
from fastapi import FastAPI
from sqlalchemy import create_engine
from sqlalchemy import exc as sa_exc
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
)
from persistence.insights_api import insights_router
from persistence.media_links import MediaLinks, S3MediaLinks
from persistence.owner_page import owner_router
from persistence.records import FeedbackRecords
from persistence.settings import PersistenceSettings
from persistence.store import FeedbackStore
from persistence.topics_api import topics_router
from service_runtime.app import service_app
from service_runtime.auth import bearer_matches
from service_runtime.inprocess import InProcessBus
from service_runtime.logs import register_secrets
from service_runtime.publishing import Publisher
from service_runtime.routing import by_topic, on
from service_runtime.wiring import Wiring


def sql_records(settings: PersistenceSettings) -> tuple[FeedbackStore, Callable[[], None]]:
    """The SQL store on the configured database, and how to close its engine."""
    engine = create_engine(
        settings.database_url,
        pool_pre_ping=True,
        hide_parameters=True,  # errors must not carry a customer's text into the logs
        **(
            {"pool_size": settings.database_pool_size}
            if "sqlite" not in settings.database_url
            else {}
        ),
    )
    _instrument(engine)
    return FeedbackStore(sessionmaker(engine, expire_on_commit=False)), engine.dispose


def backfill_policy(settings: PersistenceSettings) -> BackfillPolicy:
    """How the re-tag jobs step through the rows."""
    return BackfillPolicy(
        batch=settings.backfill_batch_size,
        pause_s=settings.backfill_pause_s,
        idle_s=settings.backfill_idle_s,
    )


def s3_links(settings: PersistenceSettings) -> S3MediaLinks:
    """Presigned links for the browser's endpoint of S3."""
    endpoint = settings.media_link_endpoint_url or settings.aws_endpoint_url
    s3 = boto3.client("s3", region_name=settings.aws_region, endpoint_url=endpoint)
    return S3MediaLinks(s3, ttl_s=settings.media_link_ttl_s)


def create_app(
    settings: PersistenceSettings,
    *,
    bus: InProcessBus | None = None,
    records: FeedbackRecords | None = None,
    media_links: MediaLinks | None = None,
) -> FastAPI:
    """The persistence service as a FastAPI app; `records` replaces the SQL store in tests."""
    secret = settings.intelligence_api_secret.get_secret_value()
    register_secrets(secret)

    async def wire(app: FastAPI, publisher: Publisher) -> Wiring:
        store: FeedbackRecords
        closers = []
        if records is None:
            sql, dispose = sql_records(settings)
            store = sql
            closers += [sql.release_backfill_lease, dispose]
        else:
            store = records
        app.state.store, app.state.api_secret = store, secret
        app.state.media_links = media_links or s3_links(settings)

        async def close() -> None:
            for closer in closers:
                closer()

        return Wiring(
            handlers=by_topic(
                on(FeedbackCompleted, functools.partial(handle_feedback_completed, store=store)),
                on(MediaStored, functools.partial(handle_media_stored, store=store)),
                on(FeedbackTagged, functools.partial(handle_feedback_tagged, store=store)),
                on(ReplySent, handle_reply_sent),
                on(ReplyFailed, functools.partial(handle_reply_failed, store=store)),
                on(DeliveryStatus, functools.partial(handle_delivery_status, store=store)),
                on(ErasureRequested, functools.partial(handle_erasure_requested, store=store)),
                on(ErasureStepDone, functools.partial(handle_erasure_step_done, store=store)),
            ),
            closers=[close],
            transient=(database_unavailable,),
            tasks=[functools.partial(run_backfill, store, publisher, backfill_policy(settings))],
        )

    routers = [
        router,
        replies_router,
        topics_router,
        insights_router,
        erasure_router,
        requests_router,
        owner_router,
    ]
    return service_app(
        settings,
        wire=wire,
        routers=routers,
        bus=bus,
        # Every route with a body is the owner's API: the token before a byte of it is read.
        authorize_body=lambda path, headers: bearer_matches(headers.get("authorization"), secret),
    )


def database_unavailable(error: BaseException) -> bool:
    """PostgreSQL refused or dropped the connection, or timed out: it will answer again."""
    if isinstance(error, sa_exc.DBAPIError) and error.connection_invalidated:
        return True
    return isinstance(error, sa_exc.OperationalError | sa_exc.InterfaceError | sa_exc.TimeoutError)


def _instrument(engine: object) -> None:
    from opentelemetry.instrumentation.sqlalchemy import SQLAlchemyInstrumentor

    SQLAlchemyInstrumentor().instrument(engine=engine)
