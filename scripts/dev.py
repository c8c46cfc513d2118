"""`make dev`: the whole system in one process on embedded defaults, with the emulator page.

Each embedded part is one setting away from the real one: KAFKA_BOOTSTRAP_SERVERS (else an
in-process bus), DATABASE_URL (else SQLite in .dev/), AWS_ENDPOINT_URL (else an embedded moto
server), OPENAI_API_KEY (else the offline analyzer). Twilio is always the emulator.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
from collections.abc import Iterator
from pathlib import Path

import boto3
import uvicorn
import yaml
from alembic import command
from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict
from starlette.types import ASGIApp

from alerts.migrate import alembic_config as alerts_migrations
from analyzer.provision import provision as provision_analyzer
from media.provision import provision as provision_media
from messenger.provision import provision as provision_messenger
from persistence.migrate import alembic_config
from service_runtime.admin import ensure_topics
from service_runtime.inprocess import InProcessBus
from service_runtime.logs import configure_logging
from service_runtime.service import entrypoint
from service_runtime.tracing import setup_tracing
from standins.emulator import create_emulator
from standins.emulator_state import EmulatorConfig
from standins.twilio_state import TwilioState

ACCOUNT_SID = "AC" + "0" * 32
AUTH_TOKEN = "dev-twilio-auth-token-0000000000"
API_SECRET = "dev-api-secret"
BUSINESS = "whatsapp:+14155238886"
# The one list of services: the chart's components, in their order (ports follow it).
CHART_VALUES = Path(__file__).resolve().parents[1] / "k8s" / "feedback-intelligence" / "values.yaml"
SERVICES = tuple(yaml.safe_load(CHART_VALUES.read_text())["components"])


class DevSettings(BaseSettings):
    """What to run for real, and where."""

    model_config = SettingsConfigDict(extra="ignore", env_file=".env")  # as the services do

    kafka_bootstrap_servers: str | None = None
    database_url: str | None = None
    aws_endpoint_url: str | None = None
    openai_api_key: SecretStr | None = None
    openai_base_url: str | None = None
    emulator_port: int = 8000
    dev_base_port: int = 8101
    dev_dir: Path = Path(".dev")
    host: str = "127.0.0.1"
    log_level: str = "WARNING"


@contextlib.contextmanager
def local_aws(dev: DevSettings) -> Iterator[str]:
    """The configured AWS endpoint, or an embedded moto server for the run's lifetime."""
    if dev.aws_endpoint_url:
        yield dev.aws_endpoint_url
        return
    from moto.server import ThreadedMotoServer

    os.environ.setdefault("AWS_ACCESS_KEY_ID", "dev")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "dev")
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


def provision(aws: str, database_url: str) -> None:
    """Tables, bucket and schema, with the same functions the provisioning commands use."""
    dynamodb = boto3.client("dynamodb", region_name="us-east-1", endpoint_url=aws)
    provision_analyzer(dynamodb, sessions_table="sessions", chats_table="chats")
    provision_messenger(dynamodb, "outbound_messages")
    provision_media(
        boto3.client("s3", region_name="us-east-1", endpoint_url=aws), "theunce-project"
    )
    command.upgrade(alembic_config(database_url), "head")
    command.upgrade(alerts_migrations(database_url), "head")


def apps(
    dev: DevSettings, aws: str, database_url: str, bus: InProcessBus | None
) -> dict[int, ASGIApp]:
    """Every service of the chart's list and the emulator, by port. Each service takes the
    settings it declares from one set of local values (settings ignore what they do not use)."""
    ports = service_ports(dev)
    emulator = f"http://{dev.host}:{dev.emulator_port}"
    local = ["127.0.0.1", "localhost"]
    local_any_port = [f"{host}:*" for host in local]  # the media allowlist names ports
    values = {
        "environment": "local",
        "http_host": dev.host,
        "aws_endpoint_url": aws,
        "kafka_bootstrap_servers": dev.kafka_bootstrap_servers or "in-process",
        "openai_api_key": dev.openai_api_key,
        "openai_base_url": dev.openai_base_url,
        "twilio_account_sid": ACCOUNT_SID,
        "twilio_auth_token": AUTH_TOKEN,
        "twilio_whatsapp_from": BUSINESS,
        "twilio_api_base_url": emulator,
        "twilio_api_hosts": local_any_port,
        "media_cdn_hosts": local_any_port,
        "media_trusted_private_hosts": local,
        "alert_trusted_private_hosts": local,  # a receiver on this machine, for trying alerts
        "owner_page_url": f"http://{dev.host}:{ports['persistence']}/owner/",
        "intelligence_api_secret": API_SECRET,
        "database_url": database_url,
        "persistence_url": f"http://{dev.host}:{ports['persistence']}",
        "alerts_url": f"http://{dev.host}:{ports['alerts']}",
        # Twilio's status callbacks (the emulator's stand-in posts them) reach ingress.
        "status_callback_url": f"http://{dev.host}:{ports['ingress']}/twilio/status",
    }
    services: dict[int, ASGIApp] = {}
    for name, port in ports.items():
        service = entrypoint(name)
        services[port] = service.create_app(service.settings(**values, http_port=port), bus=bus)
    state = TwilioState(ACCOUNT_SID, AUTH_TOKEN, cdn_base_url=emulator)
    services[dev.emulator_port] = create_emulator(
        state,
        EmulatorConfig(
            public_url=emulator,
            ingress_url=f"http://{dev.host}:{ports['ingress']}",
            persistence_url=f"http://{dev.host}:{ports['persistence']}",
            api_secret=API_SECRET,
            business_number=BUSINESS,
            aws_endpoint_url=aws,
            aws_region="us-east-1",
            sessions_table="sessions",
        ),
    )
    return services


class _Server(uvicorn.Server):
    """A uvicorn server that leaves signals to the dev runner (it runs several at once)."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


async def serve(dev: DevSettings, services: dict[int, ASGIApp]) -> None:
    """Run every app until Ctrl-C (or SIGTERM), then stop them all cleanly."""
    servers = [
        _Server(uvicorn.Config(app, host=dev.host, port=port, log_config=None, lifespan="on"))
        for port, app in services.items()
    ]
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, lambda: [setattr(s, "should_exit", True) for s in servers])
    tasks = [asyncio.create_task(server.serve()) for server in servers]
    while not all(server.started for server in servers):
        if any(task.done() for task in tasks):
            break
        await asyncio.sleep(0.05)
    if all(server.started for server in servers):
        print(welcome(dev), flush=True)
    await asyncio.gather(*tasks)


def service_ports(dev: DevSettings) -> dict[str, int]:
    """Each service's port: DEV_BASE_PORT, then the next ones in the order of SERVICES."""
    return {name: dev.dev_base_port + i for i, name in enumerate(SERVICES)}


def welcome(dev: DevSettings) -> str:
    """Every URL and credential a newcomer needs, printed once everything listens."""
    base = f"http://{dev.host}"
    ports = service_ports(dev)
    api = f"{base}:{ports['persistence']}"
    lines = [
        f"WhatsApp emulator (play the customer): {base}:{dev.emulator_port}/",
        f"What your customers think (the owner's page): {api}/owner/#token={API_SECRET}",
        f"Feedback read API: {api}/feedback  (Authorization: Bearer {API_SECRET})",
        f"  e.g. curl -H 'Authorization: Bearer {API_SECRET}' {api}/feedback",
        f"  its OpenAPI page: {api}/docs",
        f"Original API (POST /reply/, same token): {base}:{ports['ingress']}/reply/",
        f"Alerts to Slack or a webhook (same token): {base}:{ports['alerts']}/alerts/destinations",
        "Services: " + ", ".join(f"{name} {base}:{port}" for name, port in ports.items()),
        f"Twilio (the emulator): account {ACCOUNT_SID}, auth token {AUTH_TOKEN}, "
        f"business number {BUSINESS}",
        "Analyzer: " + ("OpenAI" if dev.openai_api_key else "offline (no OPENAI_API_KEY set)"),
        "Events: " + (dev.kafka_bootstrap_servers or "in-process bus (no KAFKA_BOOTSTRAP_SERVERS)"),
        "Ctrl-C stops everything.",
    ]
    return "\n" + "\n".join(f"  {line}" for line in lines) + "\n"


def main() -> None:
    """Start everything; stop everything on Ctrl-C."""
    dev = DevSettings()
    configure_logging("dev", dev.log_level)
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # the embedded moto server
    setup_tracing("feedback-intelligence-dev")
    dev.dev_dir.mkdir(parents=True, exist_ok=True)
    database_url = dev.database_url or f"sqlite:///{dev.dev_dir.resolve()}/feedback.db"
    with local_aws(dev) as aws:
        provision(aws, database_url)
        if dev.kafka_bootstrap_servers:
            asyncio.run(ensure_topics(dev.kafka_bootstrap_servers))
        bus = None if dev.kafka_bootstrap_servers else InProcessBus()
        asyncio.run(serve(dev, apps(dev, aws, database_url, bus)))
        # Ctrl-C reaches make, uv and this process alike: a second one must not cut the cleanup.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)


if __name__ == "__main__":
    main()
