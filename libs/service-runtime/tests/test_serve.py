"""`serve`: a service process sets the garbage collector for a long run once its app has
started, stops on SIGTERM, and exits with uvicorn's startup-failure status when its app cannot
start."""

from __future__ import annotations

import signal
import subprocess
import sys
import time

import httpx
import pytest

from harness.processes import free_port
from service_runtime.app import YOUNG_COLLECTION_AFTER

pytestmark = pytest.mark.integration

SERVICE = """
import contextlib, gc, sys
from fastapi import FastAPI
from service_runtime.app import serve
from service_runtime.settings import ServiceSettings

@contextlib.asynccontextmanager
async def lifespan(app):
    if sys.argv[2] == "fail":
        raise RuntimeError("cannot start")
    app.state.built = [{"startup": n} for n in range(1000)]  # lives as long as the process
    yield

app = FastAPI(lifespan=lifespan)

@app.get("/gc")
def collector() -> dict[str, int]:
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


def start(port: int, mode: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-c", SERVICE, str(port), mode],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def gc_state(port: int, process: subprocess.Popen[bytes]) -> dict[str, int]:
    deadline = time.monotonic() + 30
    while True:
        try:
            answer: dict[str, int] = httpx.get(f"http://127.0.0.1:{port}/gc", timeout=2).json()
            return answer
        except httpx.TransportError:
            assert process.poll() is None, process.stderr.read() if process.stderr else ""
            assert time.monotonic() < deadline, "the service did not answer"
            time.sleep(0.1)


def test_what_startup_built_is_frozen_out_of_the_collectors_scans() -> None:
    port = free_port()
    process = start(port, "ok")
    try:
        state = gc_state(port, process)
        # The imports and what the lifespan built are frozen: full collections skip them.
        assert state["frozen"] > 10_000
        assert not state["built_scanned"]
        assert state["scanned"] < state["frozen"] / 10
        assert state["young_after"] == YOUNG_COLLECTION_AFTER
        process.send_signal(signal.SIGTERM)  # uvicorn shuts down, then re-raises the signal
        assert process.wait(timeout=30) == -signal.SIGTERM
    finally:
        process.kill()
        process.wait()


def test_an_app_that_cannot_start_exits_with_the_startup_failure_status() -> None:
    process = start(free_port(), "fail")
    try:
        assert process.wait(timeout=60) == 3
    finally:
        process.kill()
        process.wait()
