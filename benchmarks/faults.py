"""`make bench-faults`: what production does to the pipeline every day, under steady load.

Starts a three-node Kafka cluster (every topic replicated three times, two replicas in sync for
a write), PostgreSQL, moto server, the Twilio stand-in and an OpenAI stand-in answering after a
lognormal delay (median 1 s), and two replicas of every service; the driver sends each webhook
to a replica of ingress that is up, as a Kubernetes Service would. It offers steady load (40/s
over 100 customers) and runs one scenario at a time:

- `broker-kill`: a node SIGKILLed, restarted 30 s later;
- `leader-stop`: the node leading most partitions stopped cleanly (its leaderships move),
  restarted 30 s later;
- `rolling-restart`: every replica of every service, one at a time, stopped with SIGTERM as
  Kubernetes does and started again once the next is ready, as a rollout does;
- `scale`: the analyzer and the messenger from 1 replica to 3 and back to 1;
- `soak`: an hour at 20/s, each service's RSS, open descriptors and asyncio tasks, and the
  lag, sampled every 10 s; the slopes, with their 95 % intervals.

Each scenario prints one JSON line: offered, answered, lost, duplicated, the p50/p99 reply
latency in the window around the event against the steady state before it, the seconds until
the consumer lag is back to steady, and the records that went to a dead-letter topic.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from common import kafka_records, percentile, start_process, stop
from fault_load import Load, Sampler, customer, replies
from fault_stats import lag_recovery_s, slope
from pipeline import accounted, wait_for_replies

from harness.infrastructure import aws, postgres
from harness.kafka_cluster import LocalCluster, start_local_cluster
from harness.processes import free_port
from harness.system import System, SystemConfig, start_system

SERVICES = ("ingress", "analyzer", "messenger", "media", "persistence", "insights")
CONSUMERS = [s for s in SERVICES if s != "ingress"]


@dataclass
class Rig:
    """The cluster, the services and which ingress replicas take webhooks now."""

    cluster: LocalCluster
    system: System
    twilio: str
    serving: set[str] = field(default_factory=lambda: {"ingress"})

    def ingress_ports(self) -> list[int]:
        return sorted(int(self.system.urls[name].rsplit(":", 1)[1]) for name in self.serving)

    def replicas(self, service: str) -> list[str]:
        return [n for n in self.system.processes if n == service or n.startswith(f"{service}-")]

    def start_replica(self, name: str, service: str) -> None:
        self.system.start(name, service=service)
        self.system.wait_ready(name)
        if service == "ingress":
            self.serving.add(name)

    def stop_replica(self, name: str) -> None:
        """SIGTERM, as Kubernetes stops a pod; an ingress replica first leaves the Service."""
        self.serving.discard(name)
        self.system.stop_one(name)


def broker_kill(rig: Rig) -> None:
    victim = min(rig.cluster.leaders().items(), key=lambda kv: (kv[1], kv[0]))[0]
    rig.cluster.kill(victim)
    time.sleep(30)
    rig.cluster.start_node(victim)


def leader_stop(rig: Rig) -> None:
    leading = rig.cluster.leaders()
    victim = max((n for n in leading if n > 0), key=lambda n: leading[n])
    rig.cluster.stop_node(victim)
    time.sleep(30)
    rig.cluster.start_node(victim)


def rolling_restart(rig: Rig) -> None:
    for service in SERVICES:
        for name in rig.replicas(service):
            rig.stop_replica(name)
            rig.start_replica(name, service)


def scale(rig: Rig) -> None:
    extra = [(f"{s}-{n}", s) for s in ("analyzer", "messenger") for n in (2, 3)]
    for name, service in extra:
        rig.start_replica(name, service)
    time.sleep(60)
    for name, _ in extra:
        rig.stop_replica(name)


EVENTS: dict[str, Callable[[Rig], None]] = {
    "broker-kill": broker_kill,
    "leader-stop": leader_stop,
    "rolling-restart": rolling_restart,
    "scale": scale,
}


def dead_letters(bootstrap: str) -> int:
    return kafka_records(bootstrap, only=lambda topic: topic.endswith(".dlq"))


def latencies(
    sent: list[dict[str, object]], posted: dict[str, float], window: tuple[float, float]
) -> dict[str, float | None]:
    """p50 and p99 (ms) of the replies to the webhooks posted inside `window`."""
    values = [
        float(m["accepted_at"]) - posted[body]  # type: ignore[arg-type]
        for m in sent
        if (body := str(m["body"]).removeprefix("Noted: ")) in posted
        and window[0] <= posted[body] < window[1]
    ]
    if not values:
        return {"p50_ms": None, "p99_ms": None}
    return {
        "p50_ms": round(percentile(values, 0.5) * 1000, 1),
        "p99_ms": round(percentile(values, 0.99) * 1000, 1),
    }


def settle(
    rig: Rig, load: Load, args: argparse.Namespace, since: int
) -> tuple[list[dict[str, object]], int, int, int]:
    """Wait for every offered webhook's reply; the replies, and how many webhooks were lost,
    answered without the LLM and answered more than once."""
    owners = {body: customer(int(body.rsplit("-", 1)[1]), args.customers) for body in load.posted}
    wait_for_replies(rig.twilio, owners, args.reply_timeout_s, since=since)
    time.sleep(5)  # a duplicate still on its way would arrive now
    sent = replies(rig.twilio, since)
    lost, offline = accounted(owners, sent)
    per_body = Counter(str(m["body"]).removeprefix("Noted: ") for m in sent)
    duplicated = sum(n - 1 for body, n in per_body.items() if body in owners and n > 1)
    return sent, lost, offline, duplicated


def run_scenario(rig: Rig, name: str, args: argparse.Namespace) -> dict[str, object]:
    """Steady load, the event, the aftermath; then every reply accounted for."""
    bootstrap = rig.cluster.bootstrap
    since, dlq_before = len(replies(rig.twilio)), dead_letters(bootstrap)
    sampler = Sampler(bootstrap, CONSUMERS, every_s=1.0)
    load = Load(
        rig.system.config,
        rig.ingress_ports,
        args.rate,
        args.customers,
        f"{name}-{uuid.uuid4().hex[:6]}",
    )
    sampler.start()
    load.start()
    began = time.time()
    time.sleep(args.warmup_s + args.steady_s)
    event_start = time.time()
    EVENTS[name](rig)
    event_end = time.time()
    time.sleep(args.after_s)
    load.stop()
    sent, lost, offline, duplicated = settle(rig, load, args, since)
    sampler.stop()
    # Steady: the webhooks answered before the event could touch them (their replies came
    # within seconds, so the 30 s before the event are left out); the event's window: 30 s
    # either side of it.
    steady = (began + args.warmup_s, event_start - 30)
    event = (event_start - 30, event_end + 30)
    steady_lat, event_lat = (
        latencies(sent, load.posted, steady),
        latencies(sent, load.posted, event),
    )
    recovered = lag_recovery_s(sampler.lag, steady=steady, event_end=event_end)
    p99_ratio = (
        round(event_lat["p99_ms"] / steady_lat["p99_ms"], 2)
        if event_lat["p99_ms"] and steady_lat["p99_ms"]
        else None
    )
    dlq = dead_letters(bootstrap) - dlq_before
    return {
        "benchmark": "faults",
        "scenario": name,
        "offered": len(load.posted),
        "offered_rate_per_s": args.rate,
        "answered": len(load.posted) - lost,
        "answered_without_llm": offline,
        "lost": lost,
        "duplicated": duplicated,
        "webhooks_failed": len(load.failed),
        # Tries that did not get a 200, by status ("connection": refused or cut), each retried
        # on a replica that is up: what Twilio sees, and retries with `#rc=3&rp=all`.
        "webhook_tries_failed": dict(load.retried),
        "event_s": round(event_end - event_start, 1),
        "event_at_s": round(event_start - began, 1),  # into the load
        "steady": steady_lat,
        "around_event": event_lat,
        "p99_event_over_steady": p99_ratio,
        "lag_back_to_steady_s": recovered,
        "dead_lettered": dlq,
        "target_met": lost == 0
        and duplicated == 0
        and dlq == 0
        and p99_ratio is not None
        and p99_ratio <= 5
        and recovered is not None
        and recovered <= 60,
    }


def soak(rig: Rig, args: argparse.Namespace) -> dict[str, object]:
    """An hour (`--soak-minutes`) at 20/s: the slope of each process's RSS, descriptors and
    tasks after a warm-up, with its 95 % interval; zero inside the interval means no leak."""

    def processes() -> dict[str, tuple[int, str]]:
        return {
            name: (process.pid, rig.system.urls[name])
            for name, process in rig.system.processes.items()
        }

    since = len(replies(rig.twilio))
    sampler = Sampler(rig.cluster.bootstrap, CONSUMERS, every_s=10.0, processes=processes)
    load = Load(
        rig.system.config,
        rig.ingress_ports,
        args.soak_rate,
        args.customers,
        f"soak-{uuid.uuid4().hex[:6]}",
    )
    sampler.start()
    load.start()
    began = time.time()
    time.sleep(args.soak_minutes * 60)
    load.stop()
    _, lost, _, duplicated = settle(rig, load, args, since)
    sampler.stop()
    warm = began + args.soak_warmup_minutes * 60
    # The second half alone tells a leak (the same slope) from a warm-up that levels off.
    halfway = warm + (time.time() - warm) / 2
    kept = [r for r in sampler.resources if r[0] >= warm]
    slopes = {}
    for name in sorted({r[1] for r in kept}):
        mine = [r for r in kept if r[1] == name]
        times = [(r[0] - warm) / 3600 for r in mine]
        late = [(t, r) for t, r in zip(times, mine, strict=True) if r[0] >= halfway]
        slopes[name] = {
            "rss_kib_per_h": slope(times, [r[2] for r in mine]),
            "rss_kib_per_h_second_half": slope([t for t, _ in late], [r[2] for _, r in late]),
            "rss_kib_first_last": [mine[0][2], mine[-1][2]],
            "fds_per_h": slope(times, [r[3] for r in mine]),
            "tasks_per_h": slope(times, [r[4] for r in mine]),
            "tasks_min_max": [min(r[4] for r in mine), max(r[4] for r in mine)],
            "samples": len(mine),
        }
    lag = [n for t, n in sampler.lag if t >= warm]
    return {
        "benchmark": "faults",
        "scenario": "soak",
        "minutes": args.soak_minutes,
        "warmup_minutes_left_out": args.soak_warmup_minutes,
        "offered": len(load.posted),
        "offered_rate_per_s": args.soak_rate,
        "lost": lost,
        "duplicated": duplicated,
        "lag_p50_p99": [percentile(lag, 0.5), percentile(lag, 0.99)] if lag else None,
        "slopes": slopes,
    }


@contextmanager
def rig(work: Path, args: argparse.Namespace) -> Iterator[Rig]:
    """The cluster, the stores, the stand-ins and two replicas of every service."""
    cluster = start_local_cluster(work / "kafka")
    try:
        with postgres(work / "pg") as database, aws(work / "aws") as local_aws:
            twilio_port, openai_port = free_port(), free_port()
            base = SystemConfig(
                kafka="", database_url="", aws_endpoint="", twilio_api="", openai_api=None
            )
            stand_ins = [
                start_process(
                    [sys.executable, "-m", "standins.twilio_api", "--port", str(twilio_port),
                     "--account-sid", base.account_sid, "--auth-token", base.auth_token],
                    env={}, port=twilio_port, log=work / "twilio.log", what="Twilio stand-in",
                ),
                start_process(
                    [sys.executable, "-m", "standins.openai_api", "--port", str(openai_port),
                     "--latency-median-s", str(args.llm_median_s), "--latency-sigma",
                     str(args.llm_sigma), "--seed", "7"],
                    env={}, port=openai_port, log=work / "openai.log", what="OpenAI stand-in",
                ),
            ]  # fmt: skip
            twilio = f"http://127.0.0.1:{twilio_port}"
            config = SystemConfig(
                kafka=cluster.bootstrap,
                database_url=database.address,
                aws_endpoint=local_aws.address,
                twilio_api=twilio,
                openai_api=f"http://127.0.0.1:{openai_port}/v1",
                kafka_replicas=3,
                kafka_min_insync=2,
            )
            system = start_system(config, work / "system")
            running = Rig(cluster, system, twilio)
            try:
                for service in SERVICES:
                    running.start_replica(f"{service}-2", service)
                yield running
            finally:
                system.stop()
                for process in stand_ins:
                    stop(process)
    finally:
        cluster.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scenarios", default="broker-kill,leader-stop,rolling-restart,scale,soak")
    parser.add_argument("--rate", type=float, default=40.0)
    parser.add_argument("--customers", type=int, default=100)
    parser.add_argument("--llm-median-s", type=float, default=1.0)
    parser.add_argument("--llm-sigma", type=float, default=0.5)
    parser.add_argument("--warmup-s", type=float, default=30.0, help="load before measuring")
    parser.add_argument("--steady-s", type=float, default=90.0, help="the last 30 s unmeasured")
    parser.add_argument("--after-s", type=float, default=90.0)
    parser.add_argument("--reply-timeout-s", type=float, default=180.0)
    parser.add_argument("--soak-minutes", type=float, default=60.0)
    parser.add_argument("--soak-warmup-minutes", type=float, default=5.0)
    parser.add_argument("--soak-rate", type=float, default=20.0)
    args = parser.parse_args()
    os.environ.update(
        {
            "AWS_ACCESS_KEY_ID": "bench",
            "AWS_SECRET_ACCESS_KEY": "bench",
            "SEND_RATE_PER_SECOND": "1000",
        }
    )
    work = Path(tempfile.mkdtemp(prefix="bench-faults-"))
    with rig(work, args) as running:
        for name in args.scenarios.split(","):
            if name == "scale":  # from one replica of each, as KEDA's minimum would be
                for service in ("analyzer", "messenger"):
                    running.stop_replica(f"{service}-2")
            result = soak(running, args) if name == "soak" else run_scenario(running, name, args)
            print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
