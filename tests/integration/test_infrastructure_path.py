"""The run's Kafka and PostgreSQL are where TEST_INFRASTRUCTURE asked for them: containers of
this process (testcontainers), or no container at all (local processes). Neither path may be
taken silently in place of the other."""

from __future__ import annotations

import os

import pytest
import sqlalchemy as sa

from harness.containers import LABEL
from harness.infrastructure import docker_available, use_containers
from harness.settings import HARNESS

pytestmark = pytest.mark.integration


def published_ports_of_this_run() -> set[int]:
    """Host ports published by the containers labelled with this test process's id."""
    if not docker_available():
        return set()
    import docker

    found = docker.from_env().containers.list(filters={"label": f"{LABEL}={os.getpid()}"})
    return {
        int(binding["HostPort"])
        for container in found
        for bindings in container.ports.values()
        for binding in bindings or []
    }


def test_kafka_and_postgresql_run_the_way_this_run_asked_for(
    kafka_bootstrap: str, postgres_url: str
) -> None:
    if HARNESS.test_kafka_bootstrap or HARNESS.test_database_url:  # started elsewhere, as given
        assert kafka_bootstrap == (HARNESS.test_kafka_bootstrap or kafka_bootstrap)
        assert postgres_url == (HARNESS.test_database_url or postgres_url)
        return
    ports = {int(kafka_bootstrap.rsplit(":", 1)[1]), sa.make_url(postgres_url).port}
    if HARNESS.test_infrastructure == "containers":
        assert use_containers()
    if HARNESS.test_infrastructure == "processes":
        assert not use_containers()
    if use_containers():
        assert ports <= published_ports_of_this_run()
    else:
        assert not ports & published_ports_of_this_run()
