"""Pods, partitions, in-flight settings, the external limits that bind, and an hour's cost for
100, 1,000 and 10,000 inbound messages a second (docs/capacity.md; the model is
capacity_model.py).

    python benchmarks/capacity.py [--rates 100 1000 10000] [--llm-median-s 2.5 --llm-sigma 0.8]
    python benchmarks/capacity.py --check CALIBRATION.json RUN.json [RUN.json ...]

The first form prints a table per rate, then JSON. The second checks the model on this machine:
fed with the per-process CPU of one saturated `make bench-pipeline` run (its last line, saved),
it predicts the throughput of the other runs from their own settings (the offered rate, the
send rate, Twilio's concurrency over its latency) and prints predicted against measured.
"""

from __future__ import annotations

import argparse
import json
import os
from dataclasses import asdict
from pathlib import Path

from capacity_model import Limits, Measured, Plan, Prices, ceilings, plan, shared_machine_rate

# Measured here on 2026-12-08 (docs/capacity.md): CPU from `make bench-pipeline ARGS="--rate
# 120 --count 4800 --customers 1200 --reply-timeout-s 300"` (saturated, every message an LLM
# turn); calls and prompt tokens from `make bench-tokens` (2,328 prompt tokens and 4 calls over
# a 9-message session); request units from the requests the run counted.
MEASURED = Measured(
    cpu_ms={
        "ingress": 1.2,
        "analyzer": 5.0,
        "messenger": 3.3,
        "persistence": 0.8,
        "media": 0.05,
        "insights": 0.05,
        "alerts": 0.05,
    },
    broker_cpu_ms=1.5,
    kafka_records=3.0,
    llm_calls=4 / 9,
    prompt_tokens=582.0,
    output_tokens=400.0,
    dynamodb_writes=3.0,
    dynamodb_reads=1.0,
)


def table(plans: list[Plan]) -> str:
    """The plans side by side, one row per figure."""
    rows = [("inbound messages/s", [f"{p.rate:,.0f}" for p in plans])]
    for name in plans[0].pods:
        rows.append((f"{name} pods", [str(p.pods[name]) for p in plans]))
    for topic in plans[0].partitions:
        rows.append((f"{topic} partitions", [str(p.partitions[topic]) for p in plans]))
    rows += [
        ("analyzer in flight per pod (p99.9)", [str(p.analyzer_in_flight) for p in plans]),
        ("WhatsApp numbers at 1,000 mps", [str(p.numbers) for p in plans]),
        ("Twilio accounts (100 concurrent)", [str(p.twilio_accounts) for p in plans]),
        ("OpenAI usage tier", [p.openai_tier for p in plans]),
        ("DynamoDB: share of the table quota", [f"{p.dynamodb_share:.0%}" for p in plans]),
    ]
    for item in plans[0].cost_hour:
        rows.append((f"USD/hour: {item}", [f"{p.cost_hour[item]:,.2f}" for p in plans]))
    rows.append(("USD/hour: total", [f"{sum(p.cost_hour.values()):,.2f}" for p in plans]))
    lines = ["| | " + " | ".join(rows[0][1]) + " |", "|---" * (len(plans) + 1) + "|"]
    lines += [f"| {label} | " + " | ".join(cells) + " |" for label, cells in rows[1:]]
    return "\n".join(lines)


def predicted(calibration: dict, run: dict) -> float:
    """The run's throughput as the model predicts it from the calibration run's CPU."""
    # What was offered, and one business number's send rate. The LLM's requests a minute are no
    # cap: past them the analyzer answers offline (degrading.py), so they bound the share of
    # LLM answers, not the rate.
    caps = [run["offered_rate_per_s"], run["send_rate_per_second"]]
    if run["twilio_max_concurrent"] and run["twilio_latency_ms"]:
        caps.append(run["twilio_max_concurrent"] / (run["twilio_latency_ms"] / 1000))
    cores = os.cpu_count() or 1
    busy = calibration["machine_cpu_busy"]
    return shared_machine_rate(cores, busy, calibration["cpu_ms_per_message_total"], *caps)


def check(calibration_file: Path, runs: list[Path]) -> list[dict]:
    """Predicted against two measures of each run: replies to the last one (the rate the whole
    run's CPU, counted the same way, drained it at; a slow model's tail stretches it) and the
    middle half of the offer (steady state; at saturation ingress takes a share then too)."""
    calibration = _last_json(calibration_file)
    out = []
    for path in runs:
        run = _last_json(path)
        guess = predicted(calibration, run)
        drained, steady = run["messages_per_s_to_last_reply"], run["messages_per_s"]
        out.append(
            {
                "run": path.name,
                "predicted": round(guess, 1),
                "to_last_reply": drained,
                "error": round(guess / drained - 1, 3),
                "mid_offer": steady,
                "error_mid_offer": round(guess / steady - 1, 3),
            }
        )
    return out


def _last_json(path: Path) -> dict:
    return json.loads(path.read_text().strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rates", type=float, nargs="+", default=[100, 1_000, 10_000])
    parser.add_argument("--llm-median-s", type=float, default=2.5)
    parser.add_argument("--llm-sigma", type=float, default=0.8)
    parser.add_argument("--check", type=Path, nargs="+", metavar="RUN")
    args = parser.parse_args()
    if args.check:
        for row in check(args.check[0], args.check[1:]):
            print(json.dumps(row))
        return
    llm = (args.llm_median_s, args.llm_sigma)
    plans = [plan(rate, MEASURED, llm, Limits(), Prices()) for rate in args.rates]
    print(table(plans))
    limits = sorted(ceilings(MEASURED, Limits()).items(), key=lambda item: item[1])
    print("\nOne unit of each external limit is used up at (inbound messages/s):")
    for name, rate in limits:
        print(f"  {rate:>9,.0f}  {name}")
    print(json.dumps({"benchmark": "capacity", "plans": [asdict(p) for p in plans],
                      "ceilings": dict(limits)}))  # fmt: skip


if __name__ == "__main__":
    main()
