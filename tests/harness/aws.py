"""moto server: S3, DynamoDB and Secrets Manager over HTTP for every process of a test.

moto's own server application, served with keep-alive by `harness.moto_server`."""

from __future__ import annotations

import subprocess
import sys
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from harness.processes import free_port, stop, wait_until


@dataclass
class LocalAws:
    """A moto server process and its endpoint URL."""

    endpoint_url: str
    process: subprocess.Popen[bytes]

    def reset(self) -> None:
        """Clear every bucket, table and secret."""
        request = urllib.request.Request(f"{self.endpoint_url}/moto-api/reset", method="POST")
        urllib.request.urlopen(request, timeout=10).close()

    def stop(self) -> None:
        """Stop the server."""
        stop(self.process)


def _answers(url: str) -> bool:
    try:
        urllib.request.urlopen(f"{url}/moto-api/", timeout=1).close()
    except OSError:
        return False
    return True


def start_local_aws(workdir: Path) -> LocalAws:
    """Start moto's server application on a free loopback port."""
    port = free_port()
    workdir.mkdir(parents=True, exist_ok=True)
    log = workdir / "moto.log"
    with open(log, "wb") as out:
        process = subprocess.Popen(
            [sys.executable, str(Path(__file__).with_name("moto_server.py")), "--port", str(port)],
            stdout=out,
            stderr=out,
        )
    url = f"http://127.0.0.1:{port}"
    wait_until(lambda: _answers(url), timeout_s=60, what="moto server", process=process, log=log)
    return LocalAws(url, process)
