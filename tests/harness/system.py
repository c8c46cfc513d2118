"""The whole system as separate processes: provisioning, the services, clean shutdown."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness.processes import InfrastructureError, free_port, stop, wait_until
from harness.registry import provisioning, services

SERVICES = services()


@dataclass(frozen=True)
class SystemConfig:
    """Where the real parts and the stand-ins answer, and the shared secrets."""

    kafka: str
    database_url: str
    aws_endpoint: str
    twilio_api: str
    openai_api: str | None
    # The services the OpenAI stand-in answers: its script is the analyzer's conversation, so
    # the others (insights) tag offline unless a test says otherwise.
    openai_for: frozenset[str] = frozenset({"analyzer"})
    otlp_endpoint: str | None = None
    log_level: str = "WARNING"
    account_sid: str = "AC" + "7" * 32
    auth_token: str = "5" * 32
    api_secret: str = "system-api-secret"
    business_number: str = "whatsapp:+14155238886"
    bucket: str = "theunce-project"
    # The topics' replication: a three-node cluster takes 3 and 2 (harness/kafka_cluster.py).
    kafka_replicas: int = 1
    kafka_min_insync: int = 1


@dataclass
class System:
    """Running service processes and their base URLs."""

    config: SystemConfig
    workdir: Path
    urls: dict[str, str] = field(default_factory=dict)
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    def stop(self) -> None:
        """SIGTERM every service and wait for it."""
        for process in self.processes.values():
            stop(process, timeout_s=20)

    def start(
        self, name: str, *, service: str | None = None, env: Mapping[str, str] | None = None
    ) -> None:
        """Start one service on its port (the same one after a restart); `service` starts
        another replica of that service under `name`, `env` overrides settings."""
        self.urls.setdefault(name, f"http://127.0.0.1:{free_port()}")
        port = int(self.urls[name].rsplit(":", 1)[1])
        # Each service finds the others as <NAME>_URL (insights reads PERSISTENCE_URL), as
        # compose and the chart give them service names.
        peers = {f"{peer.upper()}_URL": url for peer, url in self.urls.items()}
        own = environment(self.config)
        if (service or name) not in self.config.openai_for:
            own = {k: v for k, v in own.items() if not k.startswith("OPENAI_")}
        env = {
            **os.environ,
            **own,
            **peers,
            **(env or {}),
            "HTTP_PORT": str(port),
        }
        with open(self.workdir / f"{name}.log", "ab") as out:
            self.processes[name] = subprocess.Popen(
                [sys.executable, "-m", f"{service or name}.main"],
                env=env,
                cwd=self.workdir,  # not the checkout: a developer's .env stays out of the tests
                stdout=out,
                stderr=subprocess.STDOUT,
            )

    def api(self, method: str, path: str, body: Any = None) -> Any:
        """Call the owner's API on persistence with the bearer token; the JSON it answers."""
        request = urllib.request.Request(
            self.urls["persistence"] + path,
            data=json.dumps(body).encode() if body is not None else None,
            method=method,
            headers={
                "Authorization": f"Bearer {self.config.api_secret}",
                "Content-Type": "application/json",
            },
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.loads(response.read())

    def wait_ready(self, name: str) -> None:
        """Wait until the service's readiness probe answers."""
        wait_until(
            lambda: ready(self.urls[name]),
            timeout_s=90,
            what=name,
            process=self.processes[name],
            log=self.workdir / f"{name}.log",
        )

    def stop_one(self, name: str) -> None:
        """SIGTERM one service (it commits and leaves its group) and forget it."""
        stop(self.processes.pop(name), timeout_s=20)

    def kill(self, name: str) -> None:
        """SIGKILL a service, as a crash or an OOM kill would, and reap it."""
        self.processes[name].kill()
        self.processes[name].wait(timeout=10)


def environment(config: SystemConfig) -> dict[str, str]:
    """The settings every process gets (each service ignores what it does not use)."""
    local_hosts = json.dumps(["localhost", "127.0.0.1"])
    any_port = json.dumps(["localhost:*", "127.0.0.1:*"])  # the stand-ins' ports are random
    values = {
        "FLASK_ENV": "local",
        "KAFKA_BOOTSTRAP_SERVERS": config.kafka,
        "AWS_ENDPOINT_URL": config.aws_endpoint,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "HTTP_HOST": "127.0.0.1",
        "LOG_LEVEL": config.log_level,
        "TWILIO_ACCOUNT_SID": config.account_sid,
        "TWILIO_AUTH_TOKEN": config.auth_token,
        "TWILIO_WHATSAPP_FROM": config.business_number,
        "TWILIO_API_BASE_URL": config.twilio_api,
        "INTELLIGENCE_API_SECRET": config.api_secret,
        "DATABASE_URL": config.database_url,
        "S3_BUCKET_NAME": config.bucket,
        "TWILIO_API_HOSTS": any_port,
        "MEDIA_CDN_HOSTS": any_port,
        "MEDIA_TRUSTED_PRIVATE_HOSTS": local_hosts,
        "ALERT_TRUSTED_PRIVATE_HOSTS": local_hosts,  # the tests' receivers
        # A receiver that comes back is retried within seconds, not the production minutes.
        "ALERT_RETRY_BASE_S": "1",
        "ALERT_RETRY_MAX_S": "4",
        "OTEL_BSP_SCHEDULE_DELAY": "200",
    }
    if config.openai_api:
        values |= {"OPENAI_API_KEY": "sk-local-stand-in", "OPENAI_BASE_URL": config.openai_api}
    if config.otlp_endpoint:
        values["OTEL_EXPORTER_OTLP_ENDPOINT"] = config.otlp_endpoint
    return values


def provision(config: SystemConfig, workdir: Path) -> None:
    """Topics, tables, bucket and migrations, with the same commands operators run."""
    env = {**os.environ, **environment(config)}
    commands = [
        [
            *("-m", "service_runtime.admin", "--bootstrap", config.kafka, "--partitions", "6"),
            *("--replicas", str(config.kafka_replicas)),
            *("--min-insync-replicas", str(config.kafka_min_insync)),
        ],
        # each service's own: tables and buckets, or its migrations
        *(["-m", module] for service in SERVICES for module in provisioning(service)),
    ]
    for command in commands:
        result = subprocess.run(
            [sys.executable, *command],
            env=env,
            cwd=workdir,
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            raise InfrastructureError(f"{' '.join(command)} failed:\n{result.stderr[-3000:]}")


def ready(url: str) -> bool:
    """Whether a service's readiness probe answers 200."""
    try:
        with urllib.request.urlopen(f"{url}/readyz", timeout=2) as response:
            return bool(response.status == 200)
    except OSError:
        return False


def start_system(config: SystemConfig, workdir: Path) -> System:
    """Provision, then start every service and wait until each is ready."""
    workdir.mkdir(parents=True, exist_ok=True)
    provision(config, workdir)
    system = System(config, workdir)
    for name in SERVICES:
        system.urls[name] = f"http://127.0.0.1:{free_port()}"
    try:
        for name in SERVICES:
            system.start(name)
        for name in SERVICES:
            system.wait_ready(name)
    except BaseException:
        system.stop()
        raise
    return system
