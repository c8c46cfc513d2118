"""The Dockerfile's two uv steps, replayed without a Docker engine, give runnable services."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.deploy
ROOT = Path(__file__).resolve().parents[2]
SERVICES = ["ingress", "analyzer", "messenger", "media", "persistence"]
MEMBERS = ["libs/contracts", "libs/service-runtime", "libs/standins"] + [
    f"services/{service}" for service in SERVICES
]


def uv(*args: str, cwd: Path, venv: Path) -> None:
    env = {**os.environ, "UV_PROJECT_ENVIRONMENT": str(venv), "UV_PYTHON_DOWNLOADS": "never"}
    command = ["uv", *args, "--python", sys.executable]
    result = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("service", SERVICES)
def test_dependency_layer_then_code_layer(service: str, tmp_path: Path) -> None:
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
    result = subprocess.run(
        [str(venv / "bin" / "python"), "-c", check],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
