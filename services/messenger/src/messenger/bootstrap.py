"""Composition root: create the adapters once and wire them into the handlers."""

from __future__ import annotations

from fastapi import FastAPI

from messenger.settings import MessengerSettings
from service_runtime.app import Wiring, service_app
from service_runtime.publishing import KafkaPublisher


def create_app(settings: MessengerSettings) -> FastAPI:
    """The messenger service as a FastAPI app."""

    async def wire(app: FastAPI, publisher: KafkaPublisher) -> Wiring:
        return Wiring()

    return service_app(settings, wire=wire)
