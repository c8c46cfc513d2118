"""Shared benchmark plumbing: real infrastructure, service processes, a loopback load driver."""

from __future__ import annotations

import asyncio
import os
import platform
import statistics
import subprocess
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from urllib.parse import urlencode

import requests
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from harness.processes import free_port, port_open, stop, wait_until  # noqa: E402
from harness.registry import services  # noqa: E402
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


def _process_name(pid: int) -> str:
    """A short name for a process of the run: the module a Python process runs, else its
    program (java is the broker; postgres's backends add up under one name)."""
    args = command_line(pid)
    if not args:  # a process that is exiting
        return "?"
    if "-m" in args[:-1]:
        return args[args.index("-m") + 1].removesuffix(".main")
    if len(args) > 1 and args[1].endswith(".py"):
        return Path(args[1]).stem
    return Path(args[0]).name.split(":")[0] or "?"


def command_line(pid: int) -> list[str]:
    """A process's arguments, its program first."""
    return Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace").split("\0")[:-1]


def processes_of(program: str, *arguments: str) -> list[int]:
    """The processes running `program` (its file name) with all of `arguments`."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            args = command_line(int(entry.name)) if entry.name.isdigit() else []
        except OSError:
            continue
        if args and Path(args[0]).name == program and set(arguments) <= set(args):
            found.append(int(entry.name))
    return found


def cpu_by_process(*, roots: Iterable[int] = ()) -> dict[str, float]:
    """CPU seconds used so far by this process ("driver"), every process it started, and the
    process trees of `roots` (a daemon such as PostgreSQL's postmaster), summed by name."""
    children: dict[int, list[int]] = defaultdict(list)
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:  # it exited meanwhile
                continue
            children[int(fields[1])].append(int(entry.name))
    me = os.getpid()
    ours: set[int] = set()
    pending = [me, *roots]
    while pending:
        pid = pending.pop()
        ours.add(pid)
        pending += children[pid]
    totals: dict[str, float] = {}
    for pid in ours:
        try:
            name = "driver" if pid == me else _process_name(pid)
            totals[name] = totals.get(name, 0.0) + cpu_seconds(pid)
        except OSError:
            continue
    return totals


def interpreter() -> str:
    """The Python the services run on (the benchmark's own): how it was built moves every figure
    here, a build without PGO needing about a fifth more CPU (docs/benchmarks.md)."""
    name, version = platform.python_implementation(), platform.python_version()
    return f"{name} {version} at {os.path.realpath(sys.executable)}"


def machine_ticks() -> list[int]:
    """The machine's CPU time so far, from /proc/stat: user, nice, system, idle, iowait, irq,
    softirq, steal (in clock ticks, summed over the CPUs)."""
    return [int(n) for n in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]


def machine_shares(before: list[int], after: list[int]) -> dict[str, float]:
    """Between two `machine_ticks()`: how busy the CPUs were, and the share of their time the
    hypervisor gave to other guests (steal), each as a fraction of all CPU time."""
    spent = [b - a for a, b in zip(before, after, strict=True)]
    total = sum(spent) or 1
    return {
        "busy": round(1 - (spent[3] + spent[4]) / total, 3),
        "steal": round(spent[7] / total, 3),
    }


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
    "command_line",
    "cpu_by_process",
    "cpu_seconds",
    "drive",
    "exchange",
    "form_post",
    "free_port",
    "machine_shares",
    "machine_ticks",
    "memory_kib",
    "percentile",
    "processes_of",
    "signed_request",
    "start_process",
    "stop",
]


def kafka_records(bootstrap: str, only: Callable[[str], bool] = lambda topic: True) -> int:
    """Records in every topic but Kafka's own (or those `only` picks), so far: the sum of the
    partitions' end offsets."""

    async def count() -> int:
        admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
        consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap)
        await admin.start()
        await consumer.start()
        try:
            names = await admin.list_topics()
            topics = [t for t in names if not t.startswith("__") and only(t)]
            partitions = [
                TopicPartition(topic["topic"], partition["partition"])
                for topic in await admin.describe_topics(topics)
                for partition in topic["partitions"]
            ]
            consumer.assign(partitions)  # so that the consumer knows their leaders
            return sum((await consumer.end_offsets(partitions)).values())
        finally:
            await consumer.stop()
            await admin.close()

    return asyncio.run(count())


def aws_requests(endpoint: str) -> Counter[str]:
    """The requests the harness's moto server answered so far, by operation."""
    return Counter(requests.get(f"{endpoint}/_requests", timeout=30).json())


PRODUCT = services()  # the chart's components: the one list


def product_and_rig(cpu_ms: dict[str, float]) -> tuple[float, float]:
    """CPU per message of the product's services, and of the test rig (stand-ins, moto, the
    driver): the product's is what a deployment pays."""
    product = sum(ms for name, ms in cpu_ms.items() if name in PRODUCT)
    return product, sum(cpu_ms.values()) - product
