"""Graceful shutdown, proved: on SIGTERM, as Kubernetes sends it, a service with records in
flight stops polling, finishes or hands back those records within a bound shorter than the
chart's grace period, commits, leaves its consumer group at once (the others need not wait for
a session timeout), and exits 0; nothing is lost or answered twice."""

from __future__ import annotations

import json
import signal
from pathlib import Path

import pytest
import yaml

from harness.groups import group_state
from service_runtime.consumer_config import ConsumerConfig
from standins.openai_state import Latency
from standins.openai_verdicts import acknowledging_responder

from .conftest import Customer, World, wait

pytestmark = pytest.mark.e2e
CHART = Path(__file__).parents[2] / "k8s" / "feedback-intelligence" / "values.yaml"
SHUTDOWN_STEPS = (
    "shutdown: polling stopped",
    "shutdown: in-flight records finished or handed back, offsets committed",
    "shutdown: left the consumer group",
)


def test_the_shutdown_bound_fits_inside_the_charts_grace_period() -> None:
    grace = yaml.safe_load(CHART.read_text())["default"]["terminationGracePeriodSeconds"]
    fields = ConsumerConfig.__dataclass_fields__
    shutdown_s = fields["shutdown_timeout_s"].default
    assert isinstance(shutdown_s, float) and shutdown_s + 5 < grace  # 5 s to flush and close


def records_after(log: Path, offset: int) -> list[dict[str, object]]:
    lines = log.read_bytes()[offset:].decode(errors="replace").splitlines()
    return [json.loads(line) for line in lines if line.startswith("{")]


def test_sigterm_with_records_in_flight_finishes_commits_leaves_and_exits_0(world: World) -> None:
    world.llm.default = acknowledging_responder
    world.llm.latency = Latency(1.0, 0.0)  # every LLM call in flight for a second
    customers = [Customer(world) for _ in range(12)]
    for n, customer in enumerate(customers):
        customer.says(f"first {n}")
    wait(lambda: world.llm.in_flight >= 4, 30, "LLM calls in flight")
    log = world.system.workdir / "analyzer.log"
    offset = log.stat().st_size
    process = world.system.processes["analyzer"]
    process.send_signal(signal.SIGTERM)
    code = process.wait(timeout=60)
    state, members = group_state(world.system.config.kafka, "analyzer")
    records = records_after(log, offset)
    said = [str(record["message"]) for record in records]
    assert code == 0, said[-20:]
    stopping = next(r for r in records if r["message"] == SHUTDOWN_STEPS[0])
    assert int(stopping["in_flight"]) >= 1  # type: ignore[call-overload]  # work was in flight
    steps = [said.index(step) for step in SHUTDOWN_STEPS]
    assert steps == sorted(steps), said
    assert "offset commit failed" not in " ".join(said)
    assert (state, members) == ("Empty", 0)  # left at once: no session timeout to wait out
    world.llm.latency = Latency(0.0, 0.0)
    world.system.start("analyzer")
    world.system.wait_ready("analyzer")
    for customer in customers:
        customer.waits_for_reply(1)
    for n, customer in enumerate(customers):
        wait(lambda c=customer: len(c.replies()) >= 1, 60, "a reply")  # type: ignore[misc]
        assert customer.replies() == [f"Noted: first {n}"]  # once, none lost, none twice
