"""Composition root: load the tagger once, wire it and the taxonomy into the handler; a test
passes its own (`create_app(settings, adapters=InsightsAdapters(tagger, StaticTaxonomy()))`)."""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import httpx
from fastapi import FastAPI

from feedback_contracts import FeedbackCompleted, TagRequested
from insights.adapters.persistence_taxonomy import PersistenceTaxonomy
from insights.handlers import Insights, handle_feedback_completed, handle_tag_requested
from insights.llm_tagger import tagger_for
from insights.settings import InsightsSettings
from insights.tagging import Tagger
from insights.taxonomy_source import TaxonomySource
from service_runtime.app import service_app
from service_runtime.inprocess import InProcessBus
from service_runtime.logs import register_secrets
from service_runtime.publishing import Publisher
from service_runtime.routing import by_topic, on
from service_runtime.wiring import Wiring


@dataclass
class InsightsAdapters:
    """The tagger, where the taxonomy comes from, and what to close at shutdown."""

    tagger: Tagger
    taxonomy: TaxonomySource
    closers: list[Callable[[], Awaitable[None]]] = field(default_factory=list)


def adapters_for(settings: InsightsSettings) -> InsightsAdapters:
    """The taxonomy from persistence; the tagger the settings call for."""
    client = httpx.AsyncClient(
        base_url=settings.persistence_url, timeout=settings.taxonomy_timeout_s
    )
    taxonomy = PersistenceTaxonomy(
        client,
        token=settings.intelligence_api_secret.get_secret_value(),
        max_age_s=settings.taxonomy_cache_s,
    )
    return InsightsAdapters(tagger_for(settings), taxonomy, [taxonomy.close])


def create_app(
    settings: InsightsSettings,
    *,
    bus: InProcessBus | None = None,
    adapters: InsightsAdapters | None = None,
) -> FastAPI:
    """The insights service as a FastAPI app."""
    register_secrets(settings.intelligence_api_secret.get_secret_value())

    async def wire(app: FastAPI, publisher: Publisher) -> Wiring:
        used = adapters or adapters_for(settings)
        executor = ThreadPoolExecutor(settings.tagger_threads, thread_name_prefix="tagger")

        async def stop_tagging() -> None:
            executor.shutdown(wait=False, cancel_futures=True)

        deps = Insights(used.tagger, used.taxonomy, publisher, executor)
        handlers = by_topic(
            on(FeedbackCompleted, functools.partial(handle_feedback_completed, deps=deps)),
            on(TagRequested, functools.partial(handle_tag_requested, deps=deps)),
        )
        return Wiring(handlers=handlers, closers=[*used.closers, stop_tagging])

    return service_app(settings, wire=wire, bus=bus)
