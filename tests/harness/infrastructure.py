"""Choose how each real component runs: given address, testcontainers, or a local process."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from harness.aws import start_local_aws
from harness.kafka import kafka_version, start_local_kafka
from harness.postgres import start_local_postgres
from harness.processes import InfrastructureError
from harness.settings import HARNESS


@dataclass(frozen=True)
class Backend:
    """Where a component answers, and a line for the test report saying what it really is."""

    address: str
    description: str
    reset: Any = None


def docker_available() -> bool:
    """Whether a Docker engine answers a ping (a `docker` CLI alone is not enough)."""
    try:
        import docker

        return bool(docker.from_env(timeout=3).ping())
    except Exception:
        return False


@cache
def use_containers() -> bool:
    """Whether Kafka and PostgreSQL run as testcontainers (TEST_INFRASTRUCTURE); never a silent
    fallback: `containers` without an engine is an error."""
    mode = HARNESS.test_infrastructure
    if mode == "processes":
        return False
    if docker_available():
        from harness.containers import remove_orphans

        remove_orphans()
        return True
    if mode == "containers":
        raise InfrastructureError("TEST_INFRASTRUCTURE=containers, but no Docker engine answers")
    return False


@contextmanager
def kafka(workdir: Path) -> Iterator[Backend]:
    """A Kafka bootstrap address."""
    if given := HARNESS.test_kafka_bootstrap:
        yield Backend(given, f"Kafka at {given} (TEST_KAFKA_BOOTSTRAP)")
    elif use_containers():
        from harness import containers, docker_images

        image = HARNESS.test_kafka_image or docker_images.kafka_image()
        with containers.kafka(image) as started:
            yield Backend(
                started.address,
                f"Apache Kafka {kafka_version()} KRaft broker, testcontainers: image "
                f"{started.image}, container {started.container_id}, at {started.address}",
            )
    else:
        broker = start_local_kafka(workdir)
        try:
            yield Backend(
                broker.bootstrap,
                f"Apache Kafka {broker.version} KRaft broker, local java process "
                f"pid {broker.process.pid}, at {broker.bootstrap}",
            )
        finally:
            broker.stop()


@contextmanager
def postgres(workdir: Path) -> Iterator[Backend]:
    """A SQLAlchemy URL for a PostgreSQL database."""
    if given := HARNESS.test_database_url:
        yield Backend(given, "PostgreSQL from TEST_DATABASE_URL")
    elif use_containers():
        from harness import containers, docker_images

        image = HARNESS.test_postgres_image or docker_images.postgres_image()
        with containers.postgres(image) as started:
            yield Backend(
                started.address,
                f"PostgreSQL, testcontainers: image {started.image}, "
                f"container {started.container_id}",
            )
    else:
        server = start_local_postgres(workdir)
        try:
            yield Backend(server.url, f"{server.version}, local cluster in {server.workdir}")
        finally:
            server.stop()


@contextmanager
def aws(workdir: Path) -> Iterator[Backend]:
    """An AWS endpoint URL serving S3, DynamoDB and Secrets Manager (moto server)."""
    if given := HARNESS.test_aws_endpoint_url:
        yield Backend(given, f"AWS endpoint {given} (TEST_AWS_ENDPOINT_URL)")
        return
    server = start_local_aws(workdir)
    try:
        yield Backend(server.endpoint_url, f"moto server at {server.endpoint_url}", server.reset)
    finally:
        server.stop()


__all__ = [
    "Backend",
    "InfrastructureError",
    "aws",
    "docker_available",
    "kafka",
    "postgres",
    "use_containers",
]
