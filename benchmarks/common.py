"""Shared benchmark plumbing: real infrastructure, service processes, a loopback load driver."""

from __future__ import annotations

import asyncio
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from harness.processes import free_port, port_open, stop, wait_until  # noqa: E402
from standins.twilio_webhooks import sign  # noqa: E402


def start_process(
    args: list[str], *, env: Mapping[str, str], port: int, log: Path, what: str
) -> subprocess.Popen[bytes]:
    """Start a server process and wait until it accepts connections on `port`."""
    with open(log, "wb") as out:
        process = subprocess.Popen(
            args, env={**os.environ, **env}, stdout=out, stderr=subprocess.STDOUT, cwd=ROOT
        )
    wait_until(lambda: port_open(port), timeout_s=60, what=what, process=process, log=log)
    return process


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time a process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def memory_kib(pid: int, field: str) -> int:
    """A memory figure of /proc/<pid>/status in KiB: VmRSS now, VmHWM its peak so far."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1])
    raise KeyError(field)


def reset_peak_memory(pid: int) -> None:
    """Reset the process's peak RSS (VmHWM) to its current RSS (Linux clear_refs, value 5)."""
    Path(f"/proc/{pid}/clear_refs").write_text("5")


def percentile(values: list[float], fraction: float) -> float:
    """The value below which `fraction` of the sorted values fall."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def form_post(host: str, port: int, path: str, form: bytes, headers: Mapping[str, str]) -> bytes:
    """One HTTP/1.1 keep-alive POST of a form, serialized once up front."""
    lines = [
        f"POST {path} HTTP/1.1",
        f"Host: {host}:{port}",
        "Content-Type: application/x-www-form-urlencoded",
        f"Content-Length: {len(form)}",
        *(f"{name}: {value}" for name, value in headers.items()),
    ]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + form


def signed_request(port: int, path: str, params: Mapping[str, str], token: str) -> bytes:
    """A webhook POST to 127.0.0.1:`port`, signed as Twilio signs it, serialized once."""
    headers = {"X-Twilio-Signature": sign(f"http://127.0.0.1:{port}{path}", params, token)}
    return form_post("127.0.0.1", port, path, urlencode(params).encode(), headers)


async def exchange(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, data: bytes) -> int:
    """Send one serialized request on a keep-alive connection; the response's status."""
    writer.write(data)
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    await reader.readexactly(length)
    return status


async def drive(
    host: str, port: int, requests: list[bytes], *, concurrency: int, warmup: int = 200
) -> dict[str, float]:
    """Send pre-serialized requests over `concurrency` keep-alive connections; figures."""
    latencies: list[float] = []
    failures = 0
    queue: asyncio.Queue[bytes] = asyncio.Queue()

    async def worker(measure: bool) -> None:
        nonlocal failures
        reader, writer = await asyncio.open_connection(host, port)
        try:
            while not queue.empty():
                data = queue.get_nowait()
                started = time.perf_counter()
                status = await exchange(reader, writer, data)
                if measure:
                    latencies.append(time.perf_counter() - started)
                    failures += status >= 300
        finally:
            writer.close()

    for data in requests[:warmup]:
        queue.put_nowait(data)
    await asyncio.gather(*(worker(False) for _ in range(concurrency)))
    for data in requests[warmup:]:
        queue.put_nowait(data)
    started = time.perf_counter()
    await asyncio.gather(*(worker(True) for _ in range(concurrency)))
    elapsed = time.perf_counter() - started
    return {
        "requests": len(latencies),
        "failed": failures,
        "per_second": round(len(latencies) / elapsed, 1),
        "p50_ms": round(percentile(latencies, 0.50) * 1000, 2),
        "p99_ms": round(percentile(latencies, 0.99) * 1000, 2),
        "mean_ms": round(statistics.fmean(latencies) * 1000, 2),
    }


__all__ = [
    "ROOT",
    "cpu_seconds",
    "drive",
    "exchange",
    "form_post",
    "free_port",
    "percentile",
    "signed_request",
    "start_process",
    "stop",
]
