"""Composition root: create the adapters once and wire them into the handlers."""

from __future__ import annotations

from fastapi import FastAPI

from persistence.settings import PersistenceSettings
from service_runtime.app import Wiring, service_app
from service_runtime.publishing import KafkaPublisher


def create_app(settings: PersistenceSettings) -> FastAPI:
    """The persistence service as a FastAPI app."""

    async def wire(app: FastAPI, publisher: KafkaPublisher) -> Wiring:
        return Wiring()

    return service_app(settings, wire=wire)
