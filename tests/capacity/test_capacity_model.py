"""The capacity model's arithmetic (benchmarks/capacity_model.py; docs/capacity.md)."""

from __future__ import annotations

import sys

import pytest

from harness.registry import ROOT

sys.path.insert(0, str(ROOT / "benchmarks"))
from capacity import MEASURED
from capacity_model import (
    CONSUMERS,
    Limits,
    Prices,
    in_flight_p999,
    openai_tier,
    plan,
    pods_for,
    shared_machine_rate,
)

pytestmark = pytest.mark.unit


def test_calls_in_flight_follow_littles_law_with_a_poisson_tail() -> None:
    """50 calls a second of exactly 1 s: 50 in flight on average, Poisson's 99.9th percentile
    (73) at the tail; a lognormal spread of the same median holds more."""
    fixed = in_flight_p999(50, 1.0, 0.0)
    assert 65 <= fixed <= 80, fixed
    assert in_flight_p999(50, 1.0, 0.8) > fixed


def test_pods_keep_each_core_under_the_autoscalers_target() -> None:
    assert pods_for(100, 5.0) == 2  # 0.5 cores of work: the floor of two
    assert pods_for(1000, 5.0) == 8  # 5 cores at 70 % each
    assert pods_for(1000, 5.0, floor=1, utilization=1.0) == 5


def test_the_lowest_openai_tier_that_carries_both_requests_and_tokens() -> None:
    limits = Limits()
    assert openai_tier(5, 1_000, limits) == "1"  # 300 requests, 60,000 tokens a minute
    assert openai_tier(5, 10_000, limits) == "2"  # 600,000 tokens a minute
    assert openai_tier(1_000, 10_000, limits) == "above 5"  # 60,000 requests a minute


def test_every_consumer_has_a_partition_for_each_pod_and_room_to_double() -> None:
    for rate in (100, 1_000, 10_000):
        p = plan(rate, MEASURED, (2.5, 0.8), Limits(), Prices())
        for service, topic in CONSUMERS.items():
            assert p.partitions[topic] >= 2 * p.pods[service], (rate, topic)
        assert p.numbers * Limits().number_mps >= 2 * rate  # a message in, a reply out


def test_a_shared_machine_is_held_by_its_cpu_or_by_the_first_cap() -> None:
    assert shared_machine_rate(2, 0.95, 19.0) == pytest.approx(100)
    assert shared_machine_rate(2, 0.95, 19.0, 30.0, 500.0) == 30.0
