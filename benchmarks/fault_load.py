"""What the fault benchmark offers and watches: steady signed webhooks sent to a ready ingress
replica (as a Kubernetes Service sends to ready pods), and samples of consumer lag and of each
service process's memory, descriptors and asyncio tasks, each in a thread of its own."""

from __future__ import annotations

import asyncio
import contextlib
import os
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlencode

import requests
from aiokafka import AIOKafkaConsumer
from aiokafka.admin import AIOKafkaAdminClient
from common import exchange, form_post, memory_kib

from harness.system import SystemConfig
from standins.twilio_webhooks import inbound_params, sign

ATTEMPTS = 6  # a webhook tries this many replicas (or times) before it counts as failed


def customer(index: int, customers: int) -> str:
    return f"whatsapp:+1556{index % customers:07d}"


@dataclass(eq=False)  # hashable, as a Thread must be
class Load(threading.Thread):
    """Offers `label-i` webhooks at `rate` until `stop()`; `posted` holds each one's first try."""

    config: SystemConfig
    ports: Callable[[], list[int]]  # the ingress replicas that are up now
    rate: float
    customers: int
    label: str
    posted: dict[str, float] = field(default_factory=dict)
    failed: list[str] = field(default_factory=list)
    # Tries that failed, by why: a status, or "connection".
    retried: Counter[str] = field(default_factory=Counter)
    _stopping: threading.Event = field(default_factory=threading.Event)

    def __post_init__(self) -> None:
        threading.Thread.__init__(self, name=f"load-{self.label}", daemon=True)

    def stop(self) -> None:
        self._stopping.set()
        self.join()

    def run(self) -> None:
        asyncio.run(self._offer())

    async def _offer(self) -> None:
        pools: dict[int, list[tuple[asyncio.StreamReader, asyncio.StreamWriter]]] = {}
        tasks: set[asyncio.Task[None]] = set()
        started, index = time.perf_counter(), 0
        while not self._stopping.is_set():
            delay = started + index / self.rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            task = asyncio.create_task(self._one(index, pools))
            tasks.add(task)
            task.add_done_callback(tasks.discard)
            index += 1
        await asyncio.gather(*tasks)

    def _params(self, index: int) -> dict[str, str]:
        """The webhook's fields, its MessageSid among them: the same on every try, as Twilio's
        own retry of a message is."""
        return inbound_params(
            account_sid=self.config.account_sid,
            sender=customer(index, self.customers),
            to=self.config.business_number,
            body=f"{self.label}-{index}",
        )

    def _request(self, params: dict[str, str], port: int) -> bytes:
        """The webhook signed for the replica it goes to (Twilio signs the URL it calls)."""
        path = "/twilio/messages"
        signature = sign(f"http://127.0.0.1:{port}{path}", params, self.config.auth_token)
        form = urlencode(params).encode()
        return form_post("127.0.0.1", port, path, form, {"X-Twilio-Signature": signature})

    async def _one(self, index: int, pools: dict[int, list[object]]) -> None:
        body, params = f"{self.label}-{index}", self._params(index)
        self.posted[body] = time.time()
        for attempt in range(ATTEMPTS):
            ports = self.ports()
            port = ports[(index + attempt) % len(ports)]
            try:
                status = await self._send(port, params, pools)  # type: ignore[arg-type]
            except (OSError, asyncio.IncompleteReadError, ValueError):
                status = 0
            if status == 200:
                return
            self.retried[str(status) if status else "connection"] += 1
            await asyncio.sleep(0.2 * (attempt + 1))
        self.failed.append(body)

    async def _send(
        self,
        port: int,
        params: dict[str, str],
        pools: dict[int, list[tuple[asyncio.StreamReader, asyncio.StreamWriter]]],
    ) -> int:
        pool = pools.setdefault(port, [])
        reader, writer = pool.pop() if pool else await asyncio.open_connection("127.0.0.1", port)
        try:
            status = await exchange(reader, writer, self._request(params, port))
        except BaseException:
            writer.close()
            raise
        pool.append((reader, writer))
        return status


def replies(twilio: str, since: int = 0) -> list[dict[str, object]]:
    """The messages the Twilio stand-in accepted, from index `since` on."""
    answer: list[dict[str, object]] = requests.get(
        f"{twilio}/_standin/messages?since={since}", timeout=30
    ).json()
    return answer


async def _lag(admin: AIOKafkaAdminClient, consumer: AIOKafkaConsumer, groups: list[str]) -> int:
    """Records the consumer groups have not committed yet, over all their partitions."""
    committed = {g: await admin.list_consumer_group_offsets(g) for g in groups}
    partitions = sorted({tp for offsets in committed.values() for tp in offsets})
    if not partitions:
        return 0
    if set(partitions) != consumer.assignment():
        consumer.assign(partitions)
    ends = await consumer.end_offsets(partitions)
    return sum(
        max(0, ends[tp] - meta.offset)
        for offsets in committed.values()
        for tp, meta in offsets.items()
    )


def open_descriptors(pid: int) -> int:
    return len(os.listdir(f"/proc/{pid}/fd"))


def asyncio_tasks(url: str) -> int:
    answer: dict[str, int] = requests.get(f"{url}/runtime", timeout=10).json()
    return answer["asyncio_tasks"]


@dataclass(eq=False)
class Sampler(threading.Thread):
    """Every `every_s`: the groups' lag and, with `processes`, each one's RSS (KiB), open
    descriptors and asyncio tasks. Failed samples (a broker away) are skipped."""

    bootstrap: str
    groups: list[str]
    every_s: float
    processes: Callable[[], dict[str, tuple[int, str]]] = dict  # name -> (pid, url)
    lag: list[tuple[float, int]] = field(default_factory=list)
    resources: list[tuple[float, str, int, int, int]] = field(default_factory=list)
    _stopping: threading.Event = field(default_factory=threading.Event)

    def __post_init__(self) -> None:
        threading.Thread.__init__(self, name="sampler", daemon=True)

    def stop(self) -> None:
        self._stopping.set()
        self.join()

    def run(self) -> None:
        asyncio.run(self._sample())

    async def _sample(self) -> None:
        """One admin client and one consumer for the whole run: a sample costs two requests."""
        admin = AIOKafkaAdminClient(bootstrap_servers=self.bootstrap)
        consumer = AIOKafkaConsumer(bootstrap_servers=self.bootstrap)
        await admin.start()
        await consumer.start()
        try:
            while not self._stopping.is_set():
                await asyncio.sleep(self.every_s)
                now = time.time()
                with contextlib.suppress(Exception):  # a broker away: no sample this time
                    self.lag.append((now, await _lag(admin, consumer, self.groups)))
                self._resources(now)
        finally:
            await consumer.stop()
            await admin.close()

    def _resources(self, now: float) -> None:
        for name, (pid, url) in self.processes().items():
            try:
                rss = memory_kib(pid, "VmRSS")
                self.resources.append((now, name, rss, open_descriptors(pid), asyncio_tasks(url)))
            except (OSError, requests.RequestException):
                pass  # a process restarting: no sample this time
