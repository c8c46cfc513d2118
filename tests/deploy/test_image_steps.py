"""The Dockerfile's two uv steps, replayed without a Docker engine, give runnable services."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from harness.registry import services, workspace_members

pytestmark = pytest.mark.deploy
ROOT = Path(__file__).resolve().parents[2]
SERVICES = list(services())
MEMBERS = workspace_members()


def uv(*args: str, cwd: Path, venv: Path) -> None:
    env = {**os.environ, "UV_PROJECT_ENVIRONMENT": str(venv), "UV_PYTHON_DOWNLOADS": "never"}
    command = ["uv", *args, "--python", sys.executable]
    result = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr


def install(service: str, tmp_path: Path) -> Path:
    """The Dockerfile's two uv steps for one SERVICE; the virtualenv the image would hold."""
    source, venv = tmp_path / "src", tmp_path / "venv"
    for name in ["pyproject.toml", "uv.lock", *(f"{m}/pyproject.toml" for m in MEMBERS)]:
        (source / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / name, source / name)
    uv(
        "sync",
        "--locked",
        "--no-dev",
        "--no-install-workspace",
        "--package",
        service,
        cwd=source,
        venv=venv,
    )  # the dependency layer: pyproject files and the lock only
    for member in MEMBERS:
        shutil.copytree(ROOT / member / "src", source / member / "src")
    uv("sync", "--locked", "--no-dev", "--no-editable", "--package", service, cwd=source, venv=venv)
    shutil.rmtree(source)  # the runtime image has the virtualenv only
    return venv


def imports(venv: Path, code: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(venv / "bin" / "python"), "-c", code], cwd=cwd, capture_output=True, text=True
    )


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
