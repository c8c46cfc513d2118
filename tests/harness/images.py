"""The Dockerfile's uv steps replayed without a Docker engine: the virtualenv an image holds."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from harness.registry import ROOT, workspace_members


def uv(*args: str, cwd: Path, venv: Path) -> None:
    env = {**os.environ, "UV_PROJECT_ENVIRONMENT": str(venv), "UV_PYTHON_DOWNLOADS": "never"}
    command = ["uv", *args, "--python", sys.executable]
    result = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr


def install(service: str, tmp_path: Path, root: Path = ROOT) -> Path:
    """The Dockerfile's two uv steps for one SERVICE of the repository at `root`; the
    virtualenv the image would hold."""
    source, venv = tmp_path / "src", tmp_path / "venv"
    members = workspace_members(root)
    for name in ["pyproject.toml", "uv.lock", *(f"{m}/pyproject.toml" for m in members)]:
        (source / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(root / name, source / name)
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
    for member in members:
        shutil.copytree(root / member / "src", source / member / "src")
    uv("sync", "--locked", "--no-dev", "--no-editable", "--package", service, cwd=source, venv=venv)
    shutil.rmtree(source)  # the runtime image has the virtualenv only
    return venv


def imports(venv: Path, code: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(venv / "bin" / "python"), "-c", code], cwd=cwd, capture_output=True, text=True
    )
