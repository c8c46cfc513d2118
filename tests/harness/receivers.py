"""Alert receivers as processes (`standins.receiver`): a Slack incoming webhook or any
endpoint, each on a port of its own that it keeps across a restart."""

from __future__ import annotations

import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import httpx

from harness.processes import free_port, port_open, stop, wait_until


class Receiver:
    """A receiver process on a port of its own, which it keeps across a restart."""

    def __init__(self, kind: str, workdir: Path, status: int = 200) -> None:
        self.kind, self.status, self.port = kind, status, free_port()
        self.log = workdir / f"receiver-{kind}-{self.port}.log"
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook/{uuid.uuid4().hex}"

    def start(self) -> None:
        with open(self.log, "ab") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "standins.receiver", "--port", str(self.port),
                 "--kind", self.kind, "--status", str(self.status)],
                stdout=out, stderr=subprocess.STDOUT,
            )  # fmt: skip
        wait_until(
            lambda: port_open(self.port), timeout_s=30, what=f"{self.kind} receiver",
            process=self.process, log=self.log,
        )  # fmt: skip

    def stop(self) -> None:
        assert self.process is not None
        stop(self.process)

    def received(self) -> list[dict[str, Any]]:
        answer = httpx.get(f"http://127.0.0.1:{self.port}/_standin/received", timeout=5)
        return list(answer.json())
