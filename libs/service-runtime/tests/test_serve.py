"""`serve`: a service process sets the garbage collector for a long run once its app has
started, stops on SIGTERM with status 0, and exits with uvicorn's startup-failure status when
its app cannot start."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from harness.processes import free_port, port_open, stop, wait_until
from service_runtime.collector import YOUNG_COLLECTION_AFTER
from service_runtime.running import STARTUP_FAILURE

pytestmark = pytest.mark.integration

SERVICE = """
import contextlib, gc, sys
from fastapi import FastAPI
from service_runtime.running import serve
from service_runtime.settings import ServiceSettings

@contextlib.asynccontextmanager
async def lifespan(app):
    if sys.argv[2] == "fail":
        raise RuntimeError("cannot start")
    app.state.built = [{"startup": n} for n in range(1000)]  # lives as long as the process
    yield

app = FastAPI(lifespan=lifespan)

@app.get("/gc")
def collector() -> dict[str, int | bool]:
    scanned = gc.get_objects()
    built = any(obj is app.state.built for obj in scanned)
    return {
        "frozen": gc.get_freeze_count(),
        "scanned": len(scanned),
        "built_scanned": built,
        "young_after": gc.get_threshold()[0],
    }

serve(app, ServiceSettings(service_name="probe", http_host="127.0.0.1", http_port=int(sys.argv[1])))
"""


def start(port: int, mode: str, log: Path) -> subprocess.Popen[bytes]:
    with open(log, "wb") as out:
        return subprocess.Popen(
            [sys.executable, "-c", SERVICE, str(port), mode], stdout=out, stderr=out
        )


def test_what_startup_built_is_frozen_out_of_the_collectors_scans(tmp_path: Path) -> None:
    port, log = free_port(), tmp_path / "service.log"
    process = start(port, "ok", log)
    try:
        wait_until(lambda: port_open(port), timeout_s=30, what="service", process=process, log=log)
        state = httpx.get(f"http://127.0.0.1:{port}/gc", timeout=10).json()
        # The imports and what the lifespan built are frozen: full collections skip them.
        assert state["frozen"] > 10_000
        assert not state["built_scanned"]
        assert state["scanned"] < state["frozen"] / 10
        assert state["young_after"] == YOUNG_COLLECTION_AFTER
        process.send_signal(signal.SIGTERM)  # a graceful stop: shut down, then exit 0
        assert process.wait(timeout=30) == 0
    finally:
        stop(process)


def test_an_app_that_cannot_start_exits_with_the_startup_failure_status(tmp_path: Path) -> None:
    process = start(free_port(), "fail", tmp_path / "service.log")
    try:
        assert process.wait(timeout=60) == STARTUP_FAILURE
    finally:
        stop(process)
