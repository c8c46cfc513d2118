"""Each service's image, built from services/Dockerfile and run: a non-root user, no dev
dependencies, and the entrypoint answering the image's own health probe."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import yaml

from harness.docker_images import docker, python_image, service_images, size_mb
from harness.registry import ROOT, services

pytestmark = pytest.mark.containers
# What only the development environment installs (the workspace's dev group).
DEV_ONLY = ("pytest", "mypy", "ruff", "moto", "testcontainers", "hypothesis")


@pytest.fixture(scope="module")
def images() -> dict[str, str]:
    built = service_images(python_image())
    return dict(zip((*services(), "standins"), built, strict=True))


def compose_settings() -> dict[str, Any]:
    """The settings every service gets under docker compose (its `x-service` environment)."""
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    return {k: v for k, v in compose["x-service"]["environment"].items() if "${" not in str(v)}


@pytest.fixture(scope="module")
def running(images: dict[str, str]) -> Iterator[dict[str, str]]:
    """Every component's container, started at once with compose's settings and no Kafka."""
    env = [f"--env={key}={value}" for key, value in compose_settings().items()]
    started = {name: docker("run", "--detach", "--rm", *env, images[name]) for name in services()}
    try:
        yield started
    finally:
        subprocess.run(["docker", "rm", "--force", *started.values()], capture_output=True)


@pytest.mark.parametrize("service", [*services(), "standins"])
def test_runs_as_a_non_root_user_without_dev_dependencies(
    images: dict[str, str], service: str, report: Callable[[str], None]
) -> None:
    image = images[service]
    assert docker("image", "inspect", "--format", "{{.Config.User}}", image) == "10001:10001"
    found = docker(
        "run", "--rm", "--entrypoint", "python", image, "-c",
        "import importlib.util as u, os, sys; "
        f"print(os.getuid(), [m for m in {DEV_ONLY!r} if u.find_spec(m)])",
    )  # fmt: skip
    assert found == "10001 []", found
    report(f"image {image}: {size_mb(image):.0f} MB, user 10001, no dev dependencies")


def test_every_entrypoint_answers_its_health_probe(running: dict[str, str]) -> None:
    """The Dockerfile's HEALTHCHECK (GET /healthz) passes for every service; without Kafka the
    service is alive, not ready."""
    deadline = time.monotonic() + 120
    states: dict[str, str] = {}
    while time.monotonic() < deadline:
        states = {
            name: docker("inspect", "--format", "{{.State.Health.Status}}", container)
            for name, container in running.items()
        }
        if set(states.values()) == {"healthy"}:
            break
        assert "unhealthy" not in states.values(), states
        time.sleep(2)
    assert set(states.values()) == {"healthy"}, states
    for name, container in running.items():
        ready = subprocess.run(
            ["docker", "exec", container, "python", "-c",
             "import urllib.request as r, urllib.error as e\n"
             "try: r.urlopen('http://127.0.0.1:8080/readyz', timeout=3)\n"
             "except e.HTTPError as x: print(x.code)"],
            capture_output=True, text=True, check=False,
        )  # fmt: skip
        assert ready.stdout.strip() == "503", (name, ready.stdout, ready.stderr)


def test_the_insights_image_reads_portuguese_and_spanish(images: dict[str, str]) -> None:
    """The offline tagger's dictionaries are in the image, and lt-proc runs as its user."""
    found = docker(
        "run", "--rm", "--entrypoint", "python", images["insights"], "-c",
        "from insights import apertium; from insights.glossary import Glossary; "
        "print(sorted(Glossary().languages), "
        "'noisy' in apertium.spanish().translations(['ruidosa'])['ruidosa'], "
        "'food' in apertium.portuguese().translations(['comida'])['comida'])",
    )  # fmt: skip
    assert found == "['es', 'pt'] True True", found
