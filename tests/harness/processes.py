"""Small helpers for starting real servers as local processes."""

from __future__ import annotations

import socket
import subprocess
import time
from collections.abc import Callable
from pathlib import Path


class InfrastructureError(RuntimeError):
    """A real component the tests need could not be started; the message says what is missing."""


def free_port() -> int:
    """A TCP port on loopback that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until(
    ready: Callable[[], bool],
    *,
    timeout_s: float,
    what: str,
    process: subprocess.Popen[bytes] | None = None,
    log: Path | None = None,
) -> None:
    """Poll `ready` until true; fail with the process's log tail if it dies or times out."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise InfrastructureError(f"{what} exited with {process.returncode}{_tail(log)}")
        if ready():
            return
        time.sleep(0.2)
    raise InfrastructureError(f"{what} not ready after {timeout_s:.0f}s{_tail(log)}")


def port_open(port: int) -> bool:
    """Whether something accepts TCP connections on 127.0.0.1:port."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


def stop(process: subprocess.Popen[bytes], *, timeout_s: float = 15) -> None:
    """Terminate a process, killing it if it does not exit in time."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout_s)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _tail(log: Path | None, lines: int = 30) -> str:
    if log is None or not log.exists():
        return ""
    return (
        "\n--- last lines of "
        + str(log)
        + " ---\n"
        + "\n".join(log.read_text(errors="replace").splitlines()[-lines:])
    )
