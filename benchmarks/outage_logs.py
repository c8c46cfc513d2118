"""Log lines about connection errors while the Kafka broker restarts, with every repeated warning
kept (`LOG_REPEAT_INTERVAL_S=0`, as before) and summarized (the default).

Starts a Kafka broker and moto server, then ingress and the analyzer as processes at the
production log level; stops the broker for `--down-s` seconds and starts it again; counts the
lines of each service's log that mention a connection. Prints JSON as its last line.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import free_port, stop

from harness.infrastructure import aws
from harness.kafka import start_local_kafka
from harness.processes import wait_until
from harness.system import SystemConfig, environment, ready

SERVICES = ("ingress", "analyzer")


def connection_lines(log: Path) -> int:
    """Lines of a log that report a failed connection."""
    text = log.read_text(errors="replace").lower()
    return sum(1 for line in text.splitlines() if "connect" in line)


def restart_under(env: dict[str, str], broker: object, work: Path, down_s: float) -> dict[str, int]:
    """Start the services, restart the broker, count each service's connection-error lines."""
    processes, logs = {}, {}
    for name in SERVICES:
        port, logs[name] = free_port(), work / f"{name}.log"
        with open(logs[name], "wb") as out:
            processes[name] = subprocess.Popen(
                [sys.executable, "-m", f"{name}.main"],
                env={**env, "HTTP_PORT": str(port)},
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        url = f"http://127.0.0.1:{port}"
        wait_until(lambda u=url: ready(u), timeout_s=90, what=name, process=processes[name])
    broker.restart(down_s=down_s)  # type: ignore[attr-defined]
    time.sleep(5)
    for process in processes.values():
        stop(process)
    return {name: connection_lines(log) for name, log in logs.items()}


def main() -> None:
    """Both runs, one after the other, on the same broker."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--down-s", type=float, default=15.0)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-outage-logs-"))
    broker = start_local_kafka(work / "kafka")
    try:
        with aws(work / "aws") as local_aws:
            config = SystemConfig(
                kafka=broker.bootstrap,
                database_url="",
                aws_endpoint=local_aws.address,
                twilio_api="http://127.0.0.1:9",
                openai_api=None,
            )
            env = {**os.environ, **environment(config), "LOG_LEVEL": "INFO"}
            for command in (
                ["-m", "service_runtime.admin", "--bootstrap", broker.bootstrap],
                ["-m", "analyzer.provision"],
            ):
                subprocess.run([sys.executable, *command], env=env, check=True)
            counts = {}
            for label, interval in (("every_line", "0"), ("summarized", "10")):
                (work / label).mkdir()
                run_env = {**env, "LOG_REPEAT_INTERVAL_S": interval}
                counts[label] = restart_under(run_env, broker, work / label, args.down_s)
    finally:
        broker.stop()
    print(json.dumps({"benchmark": "outage-logs", "broker_down_s": args.down_s, **counts}))


if __name__ == "__main__":
    main()
