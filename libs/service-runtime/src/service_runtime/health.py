"""Liveness and readiness endpoints every service exposes."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from fastapi import APIRouter, Response

LiveCheck = Callable[[], bool]
ReadyCheck = Callable[[], Awaitable[bool]]


def health_router(*, live: LiveCheck, ready: ReadyCheck) -> APIRouter:
    """`/healthz` fails when work stopped progressing; `/readyz` when Kafka, or a
    dependency the handlers are waiting for, is unreachable; `/runtime` counts the tasks."""
    router = APIRouter(tags=["health"])

    @router.get("/healthz")
    async def healthz(response: Response) -> dict[str, str]:
        if live():
            return {"status": "live"}
        response.status_code = 503
        return {"status": "stalled"}

    @router.get("/readyz")
    async def readyz(response: Response) -> dict[str, str]:
        if await ready():
            return {"status": "ready"}
        response.status_code = 503
        return {"status": "unavailable: kafka or a dependency the handlers wait for"}

    @router.get("/runtime")
    async def runtime() -> dict[str, int]:
        """The event loop's tasks now: a count that keeps growing is a leak (the fault
        benchmark's soak samples it)."""
        return {"asyncio_tasks": len(asyncio.all_tasks())}

    return router
