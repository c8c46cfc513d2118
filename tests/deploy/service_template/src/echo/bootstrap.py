"""Composition root: nothing to wire."""

from fastapi import FastAPI

from echo.settings import EchoSettings
from service_runtime.app import service_app
from service_runtime.inprocess import InProcessBus
from service_runtime.publishing import Publisher
from service_runtime.wiring import Wiring


def create_app(settings: EchoSettings, *, bus: InProcessBus | None = None) -> FastAPI:
    """The echo service as a FastAPI app."""

    async def wire(app: FastAPI, publisher: Publisher) -> Wiring:
        return Wiring()

    return service_app(settings, wire=wire, bus=bus)
