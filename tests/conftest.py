"""Session-wide real infrastructure; the report says what each test really ran against."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Callable, Iterator

import pytest
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from harness import infrastructure
from harness.infrastructure import Backend
from service_runtime.kafka_publisher import KafkaPublisher
from service_runtime.tracing import setup_tracing

_used: dict[str, str] = {}
_measured: list[str] = []


@pytest.fixture(scope="session")
def kafka_bootstrap(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real Kafka broker's bootstrap address."""
    with infrastructure.kafka(tmp_path_factory.mktemp("kafka")) as backend:
        _used["kafka"] = backend.description
        yield backend.address


@pytest.fixture(scope="session")
def postgres_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real PostgreSQL server's SQLAlchemy URL."""
    with infrastructure.postgres(tmp_path_factory.mktemp("postgres")) as backend:
        _used["postgresql"] = backend.description
        yield backend.address


@pytest.fixture(scope="session")
def aws_backend(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Backend]:
    """A moto server process."""
    with infrastructure.aws(tmp_path_factory.mktemp("aws")) as backend:
        _used["aws"] = backend.description
        yield backend


@pytest.fixture(scope="session")
def aws_endpoint(aws_backend: Backend) -> str:
    """The moto server's endpoint URL."""
    return aws_backend.address


def pytest_addoption(parser: pytest.Parser) -> None:
    """`--update-screenshots`: the browser tests copy their screenshots into docs/."""
    parser.addoption("--update-screenshots", action="store_true", default=False)


def pytest_configure(config: pytest.Config) -> None:
    """Fixed credentials for moto, so no test can reach a real AWS account by accident."""
    os.environ["AWS_ACCESS_KEY_ID"] = "testing"
    os.environ["AWS_SECRET_ACCESS_KEY"] = "testing"
    os.environ["AWS_DEFAULT_REGION"] = "us-east-1"
    os.environ.pop("AWS_PROFILE", None)


@pytest.fixture(scope="session")
def report() -> Callable[[str], None]:
    """Add a line to the report's `measured` section (image sizes, start-up times)."""
    return _measured.append


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Name the real components the integration and e2e tests ran against, and what the
    container tests measured."""
    if _used:
        terminalreporter.section("real infrastructure used")
        for name, description in sorted(_used.items()):
            terminalreporter.write_line(f"{name}: {description}")
    if _measured:
        terminalreporter.section("measured")
        for line in _measured:
            terminalreporter.write_line(line)


@pytest.fixture(scope="session")
def telemetry() -> tuple[InMemorySpanExporter, InMemoryMetricReader]:
    """Every span and metric of this test process, kept in memory (set up once per process)."""
    exporter, reader = InMemorySpanExporter(), InMemoryMetricReader()
    setup_tracing("tests", extra_processor=SimpleSpanProcessor(exporter), extra_reader=reader)
    return exporter, reader


@pytest.fixture(scope="session")
def span_exporter(
    telemetry: tuple[InMemorySpanExporter, InMemoryMetricReader],
) -> InMemorySpanExporter:
    """Every span of this test process."""
    return telemetry[0]


@pytest.fixture(scope="session")
def metric_reader(
    telemetry: tuple[InMemorySpanExporter, InMemoryMetricReader],
) -> InMemoryMetricReader:
    """Every metric of this test process, read on demand."""
    return telemetry[1]


@pytest.fixture
async def publisher(kafka_bootstrap: str) -> AsyncIterator[KafkaPublisher]:
    """A started Kafka publisher on the test broker."""
    started = KafkaPublisher(kafka_bootstrap, client_id="tests")
    await started.start()
    yield started
    await started.stop()
