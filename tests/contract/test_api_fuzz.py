"""schemathesis against persistence's, ingress's and the alerts service's OpenAPI, with and
without the token: whatever it sends, no 5xx. The apps run for real (SQL stores on SQLite
after migrations, the in-process bus), served over HTTP in this process."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import schemathesis
from alembic import command
from fastapi import FastAPI
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error

from alerts.bootstrap import create_app as alerts_app
from alerts.migrate import alembic_config as alerts_migrations
from alerts.settings import AlertsSettings
from ingress.bootstrap import create_app as ingress_app
from ingress.settings import IngressSettings
from persistence.bootstrap import create_app as persistence_app
from persistence.migrate import alembic_config
from persistence.settings import PersistenceSettings
from service_runtime.inprocess import InProcessBus
from standins.serving import serve_in_thread

pytestmark = pytest.mark.integration
TOKEN = "fuzz-api-secret-0123456789"
EXAMPLES = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)


@contextmanager
def served_schema(app: FastAPI) -> Iterator[schemathesis.BaseSchema]:
    """The app served over HTTP in this process (its lifespan run), and its OpenAPI schema."""
    server = serve_in_thread(app, lifespan=True)
    try:
        yield schemathesis.openapi.from_url(f"{server.url}/openapi.json")
    finally:
        server.stop()


@pytest.fixture(scope="module")
def persistence_schema(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[schemathesis.BaseSchema]:
    url = f"sqlite:///{tmp_path_factory.mktemp('fuzz') / 'feedback.db'}"
    command.upgrade(alembic_config(url), "head")
    settings_ = PersistenceSettings(
        environment="local",
        kafka_bootstrap_servers="in-process",
        database_url=url,
        intelligence_api_secret=TOKEN,
        backfill_idle_s=60,
    )
    with served_schema(persistence_app(settings_, bus=InProcessBus())) as schema:
        yield schema


@pytest.fixture(scope="module")
def ingress_schema() -> Iterator[schemathesis.BaseSchema]:
    settings_ = IngressSettings(
        environment="local",
        kafka_bootstrap_servers="in-process",
        twilio_auth_token="t" * 32,
        intelligence_api_secret=TOKEN,
    )
    with served_schema(ingress_app(settings_, bus=InProcessBus())) as schema:
        yield schema


@pytest.fixture(scope="module")
def alerts_schema(tmp_path_factory: pytest.TempPathFactory) -> Iterator[schemathesis.BaseSchema]:
    url = f"sqlite:///{tmp_path_factory.mktemp('fuzz') / 'alerts.db'}"
    command.upgrade(alerts_migrations(url), "head")
    settings_ = AlertsSettings(
        environment="local",
        kafka_bootstrap_servers="in-process",
        database_url=url,
        intelligence_api_secret=TOKEN,
    )
    with served_schema(alerts_app(settings_, bus=InProcessBus())) as schema:
        yield schema


AUTHORIZED = {"Authorization": f"Bearer {TOKEN}"}


def fuzz(schema: schemathesis.BaseSchema, headers: dict[str, str]) -> list[str]:
    """Every operation of the schema, fed what schemathesis generates; the operations seen."""
    seen = []
    for result in schema.get_all_operations():
        operation = result.ok()
        seen.append(f"{operation.method.upper()} {operation.path}")

        @given(case=operation.as_strategy())
        @EXAMPLES
        def call(case: schemathesis.Case) -> None:
            case.call_and_validate(headers=headers, checks=[not_a_server_error])

        call()
    return seen


@pytest.mark.parametrize("headers", [AUTHORIZED, {}], ids=["with token", "without token"])
def test_persistence_answers_no_5xx(
    persistence_schema: schemathesis.BaseSchema, headers: dict[str, str]
) -> None:
    seen = fuzz(persistence_schema, headers)
    assert {"GET /feedback", "POST /topics", "GET /insights/export.csv"} <= set(seen)


@pytest.mark.parametrize("headers", [AUTHORIZED, {}], ids=["with token", "without token"])
def test_ingress_answers_no_5xx(
    ingress_schema: schemathesis.BaseSchema, headers: dict[str, str]
) -> None:
    assert "POST /reply/" in fuzz(ingress_schema, headers)


@pytest.mark.parametrize("headers", [AUTHORIZED, {}], ids=["with token", "without token"])
def test_alerts_answers_no_5xx(
    alerts_schema: schemathesis.BaseSchema, headers: dict[str, str]
) -> None:
    seen = set(fuzz(alerts_schema, headers))
    assert {
        "GET /alerts/destinations",
        "POST /alerts/destinations",
        "PATCH /alerts/destinations/{destination_id}",
        "GET /alerts/deliveries",
        "POST /alerts/deliveries/{delivery_id}/redeliver",
    } <= seen
