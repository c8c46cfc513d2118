"""Kafka and PostgreSQL as testcontainers, from images built here (harness.docker_images).

No image registry is needed: the images are the local stand-ins, so testcontainers' Ryuk (pulled
from a registry) is off, and each container carries this process's id in a label instead; a
later session removes what a killed one left behind."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from harness.kafka import broker_properties, kafka_version
from harness.processes import free_port

LABEL = "feedback-intelligence.tests.pid"
os.environ.setdefault("TESTCONTAINERS_RYUK_DISABLED", "true")
# Inside a container (a /.dockerenv file) testcontainers would dial the bridge gateway; the
# ports are published on this host's engine, so the host is the address.
os.environ.setdefault("TESTCONTAINERS_CONNECTION_MODE", "docker_host")

from testcontainers.community.postgres import PostgresContainer  # noqa: E402
from testcontainers.core.container import DockerContainer  # noqa: E402
from testcontainers.core.wait_strategies import LogMessageWaitStrategy  # noqa: E402


@dataclass(frozen=True)
class Started:
    """A running container's address and the image and id it runs as, for the report."""

    address: str
    image: str
    container_id: str


def remove_orphans() -> None:
    """Remove test containers whose pytest process is gone (Ryuk's job, done here)."""
    import docker

    client = docker.from_env()
    for container in client.containers.list(all=True, filters={"label": LABEL}):
        pid = int(container.labels[LABEL])
        if not _alive(pid):
            container.remove(force=True, v=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@contextmanager
def kafka(image: str) -> Iterator[Started]:
    """A single-node KRaft broker configured as the local process is, advertised on a host port."""
    port = free_port()
    properties = broker_properties(port=9092, cport=9093, data="/var/lib/kafka/data")
    properties["listeners"] = "PLAINTEXT://:9092,CONTROLLER://127.0.0.1:9093"
    properties["advertised.listeners"] = f"PLAINTEXT://127.0.0.1:{port}"
    container = DockerContainer(image).with_bind_ports(9092, port).with_kwargs(labels=_labels())
    for key, value in properties.items():
        container.with_env("KAFKA_" + key.replace("_", "__").replace(".", "_").upper(), value)
    container.with_env("KAFKA_HEAP_OPTS", "-Xms256m -Xmx768m -XX:TieredStopAtLevel=1")
    container.waiting_for(LogMessageWaitStrategy("Kafka Server started").with_startup_timeout(120))
    with container:
        yield Started(f"127.0.0.1:{port}", image, container.get_wrapped_container().short_id)


@contextmanager
def postgres(image: str) -> Iterator[Started]:
    """A PostgreSQL server; the address is a SQLAlchemy URL of its `postgres` database, whose
    user may create the databases the tests keep apart."""
    container = PostgresContainer(
        image, username="postgres", password="postgres", dbname="postgres", driver="psycopg2"
    ).with_kwargs(labels=_labels())
    with container:
        url = container.get_connection_url(host="127.0.0.1")
        yield Started(url, image, container.get_wrapped_container().short_id)


def _labels() -> dict[str, str]:
    return {LABEL: str(os.getpid())}


__all__ = ["Started", "kafka", "kafka_version", "postgres", "remove_orphans"]
