"""Signed webhooks through ingress (publishing to real Kafka) vs a bare form-parsing endpoint.

Starts Kafka and both servers itself, drives a fixed count of webhooks over loopback, stops
everything, and prints JSON as its last line.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import sys
import tempfile
from pathlib import Path

from common import (
    ROOT,
    cpu_seconds,
    drive,
    free_port,
    interpreter,
    signed_request,
    start_process,
    stop,
)

from harness.infrastructure import kafka
from standins.twilio_webhooks import inbound_params

TOKEN = "b" * 32
WARMUP = 200


def signed_webhooks(port: int, count: int) -> list[bytes]:
    """`count` inbound-message webhooks from 500 customers, each signed for this port."""
    requests = []
    for index in range(count):
        params = inbound_params(
            account_sid="AC" + "0" * 32,
            sender=f"whatsapp:+1555{index % 500:07d}",
            to="whatsapp:+14155238886",
            body="great product",
        )
        requests.append(signed_request(port, "/twilio/messages", params, TOKEN))
    return requests


def start_ingress(kafka_address: str, work: Path) -> tuple[int, subprocess.Popen[bytes]]:
    """An ingress process publishing to the broker."""
    port = free_port()
    process = start_process(
        [sys.executable, "-m", "ingress.main"],
        env={
            "FLASK_ENV": "local",
            "KAFKA_BOOTSTRAP_SERVERS": kafka_address,
            "TWILIO_AUTH_TOKEN": TOKEN,
            "INTELLIGENCE_API_SECRET": "bench-secret",
            "HTTP_PORT": str(port),
            "HTTP_HOST": "127.0.0.1",
            "LOG_LEVEL": "WARNING",
        },
        port=port,
        log=work / "ingress.log",
        what="ingress",
    )
    return port, process


def main() -> None:
    """Run both measurements in one process tree and print the comparison."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=10000)
    parser.add_argument("--concurrency", type=int, default=50)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-ingress-"))
    with kafka(work / "kafka") as broker:
        servers = {"ingress": start_ingress(broker.address, work)}
        bare_port = free_port()
        servers["bare_fastapi"] = (
            bare_port,
            start_process(
                [
                    sys.executable,
                    "-m",
                    "uvicorn",
                    "--app-dir",
                    str(ROOT / "benchmarks"),
                    "bare_form_app:app",
                    "--port",
                    str(bare_port),
                    "--log-level",
                    "warning",
                ],
                env={},
                port=bare_port,
                log=work / "bare.log",
                what="bare endpoint",
            ),
        )
        try:
            results = {}
            for name, (port, process) in servers.items():
                requests = signed_webhooks(port, args.count + WARMUP)
                cpu_before = cpu_seconds(process.pid)
                results[name] = asyncio.run(
                    drive("127.0.0.1", port, requests, concurrency=args.concurrency, warmup=WARMUP)
                )
                results[name]["server_cpu_s"] = round(cpu_seconds(process.pid) - cpu_before, 2)
        finally:
            for _, process in servers.values():
                stop(process)
    rate = {name: figures["per_second"] for name, figures in results.items()}
    ratio = rate["ingress"] / rate["bare_fastapi"]
    summary = {
        "benchmark": "ingress",
        "concurrency": args.concurrency,
        **{
            f"{name}_{key}": value
            for name, figures in results.items()
            for key, value in figures.items()
        },
        "throughput_ratio": round(ratio, 3),
        "python": interpreter(),
        "target_met": ratio >= 0.5 and results["ingress"]["p99_ms"] < 50,
    }
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
