"""The Dockerfile's two uv steps, replayed without a Docker engine, give runnable services."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from harness.images import imports, install
from harness.registry import services

pytestmark = pytest.mark.deploy
ROOT = Path(__file__).resolve().parents[2]
SERVICES = list(services())


@pytest.mark.parametrize("service", SERVICES)
def test_dependency_layer_then_code_layer(service: str, tmp_path: Path) -> None:
    venv = install(service, tmp_path)
    assert (venv / "bin" / service).exists()
    check = (
        f"import {service}.bootstrap, {service}.main; "
        "from analyzer.prompt import SYSTEM_PROMPT; assert SYSTEM_PROMPT"
        if service == "analyzer"
        else f"import {service}.bootstrap, {service}.main"
    )
    if service == "persistence":
        check += (
            "; from persistence.migrate import MIGRATIONS; assert (MIGRATIONS / 'env.py').exists()"
        )
    result = imports(venv, check, tmp_path)
    assert result.returncode == 0, result.stderr


def compose_commands() -> dict[str, tuple[str, list[str]]]:
    """Each compose service built from the Dockerfile: its SERVICE and the modules it runs."""
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    commands = {}
    for name, spec in compose["services"].items():
        service = (spec.get("build") or {}).get("args", {}).get("SERVICE")
        if service is None:
            continue
        command = " ".join(str(word) for word in spec.get("entrypoint") or [])
        # `python -m a.b`, and `import a.b as x, c.d as y` inside a `python -c` of a shell line
        modules = re.findall(r"(?:-m|import|,)\s+([a-z_]+(?:\.[a-z_]+)+)", command)
        commands[name] = (service, modules or [f"{service}.main"])
    return commands


@pytest.mark.parametrize("container", sorted(compose_commands()))
def test_every_compose_command_runs_in_its_image(container: str, tmp_path: Path) -> None:
    service, modules = compose_commands()[container]
    venv = install(service, tmp_path)
    code = "; ".join(
        f"import importlib.util as u; assert u.find_spec({m!r}), {m!r}" for m in modules
    )
    result = imports(venv, code + "; " + "; ".join(f"import {m}" for m in modules), tmp_path)
    assert result.returncode == 0, f"{container} ({service} image): {result.stderr}"
