"""docker-compose.yml against the Compose specification's JSON schema, and what it must run."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from harness import registry
from harness.tools import compose_schema

pytestmark = pytest.mark.deploy
ROOT = Path(__file__).resolve().parents[2]
COMPOSE = ROOT / "docker-compose.yml"


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load(COMPOSE.read_text())
    return document


def test_validates_against_the_compose_specification(compose: dict[str, Any]) -> None:
    schema = json.loads(compose_schema().read_text())
    validator = jsonschema.validators.validator_for(schema)(schema)
    errors = [f"{list(e.path)}: {e.message}" for e in validator.iter_errors(compose)]
    assert errors == []


def test_names_every_part_and_orders_start_up(compose: dict[str, Any]) -> None:
    services = compose["services"]
    assert set(services) >= {
        "kafka",
        "postgres",
        "aws",
        "otel-collector",
        "jaeger",
        "twilio",
        "provision",
        "migrate-persistence",
        *registry.services(),
    }
    for part in ("kafka", "postgres", "aws"):
        assert services[part]["healthcheck"]["test"]
    for service in registry.services():
        depends = services[service]["depends_on"]
        assert depends["kafka"]["condition"] == "service_healthy"
        assert depends["provision"]["condition"] == "service_completed_successfully"
        assert services[service]["build"]["args"]["SERVICE"] == service
    persistence = services["persistence"]["depends_on"]
    assert persistence["migrate-persistence"]["condition"] == "service_completed_successfully"
    migrate = services["migrate-persistence"]
    assert migrate["entrypoint"] == ["python", "-m", "persistence.migrate"]
    assert services["twilio"]["entrypoint"][:3] == ["python", "-m", "standins.emulator"]


def test_the_component_containers_are_rendered_from_the_chart_list() -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "compose.py"), "--check"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
