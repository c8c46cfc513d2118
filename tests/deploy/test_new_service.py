"""A new service is a folder under services/ and one entry in the chart's components: copy the
template into a copy of the repository, add the entry, and everything that lists services
takes it, with no other edit (`uv lock` and `make compose` are regenerations, not edits)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from harness.images import imports, install
from harness.registry import ROOT, VALUES, services, workspace_members
from harness.tools import ensure_helm

pytestmark = pytest.mark.deploy
TEMPLATE = Path(__file__).with_name("service_template")


@pytest.fixture(scope="module")
def repository(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the tracked files, with the template added as `echo` and its one entry."""
    copy = tmp_path_factory.mktemp("repo")
    tracked = subprocess.run(
        ["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True
    ).stdout.split(b"\0")
    for name in filter(None, (item.decode() for item in tracked)):
        if (ROOT / name).is_file():
            (copy / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, copy / name)
    shutil.copytree(TEMPLATE, copy / "services" / "echo")
    values = copy / VALUES.relative_to(ROOT)
    text = values.read_text()
    values.write_text(text.replace("\ncomponents:\n", "\ncomponents:\n  echo: {}\n", 1))
    # Online: a re-resolution reads the index's pages, which the uv cache of a fresh machine
    # lacks (`uv sync --locked` fetched only wheels). The other pins stay as locked.
    run(copy, "uv", "lock")
    run(copy, sys.executable, "scripts/compose.py")
    return copy


def run(cwd: Path, *command: str) -> str:
    env = {**os.environ, "UV_PYTHON_DOWNLOADS": "never"}
    result = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, check=False)
    assert result.returncode == 0, f"{' '.join(command)}:\n{result.stdout}\n{result.stderr}"
    return result.stdout


def test_the_one_entry_makes_it_a_component_everywhere(repository: Path) -> None:
    assert "echo" in services(repository) and "echo" not in services()
    assert "services/echo" in workspace_members(repository)
    run(repository, sys.executable, "scripts/compose.py", "--check")
    compose = yaml.safe_load((repository / "docker-compose.yml").read_text())
    assert compose["services"]["echo"]["build"]["args"]["SERVICE"] == "echo"
    assert compose["services"]["echo"]["depends_on"]["kafka"]["condition"] == "service_healthy"


def test_the_chart_deploys_it(repository: Path) -> None:
    chart = repository / "k8s" / "feedback-intelligence"
    rendered = run(
        repository,
        str(ensure_helm()),
        "template",
        "fi",
        str(chart),
        "-f",
        str(chart / "ci" / "required-values.yaml"),
    )
    kinds = {(doc["kind"], doc["metadata"]["name"]) for doc in yaml.safe_load_all(rendered) if doc}
    assert ("Deployment", "fi-echo") in kinds


def test_its_image_installs_and_the_local_run_can_start_it(
    repository: Path, tmp_path: Path
) -> None:
    venv = install("echo", tmp_path, root=repository)
    assert (venv / "bin" / "echo").exists()
    code = (
        "from service_runtime.service import entrypoint; service = entrypoint('echo'); "
        "service.create_app(service.settings(environment='local'))"
    )
    result = imports(venv, code, tmp_path)
    assert result.returncode == 0, result.stderr


def test_the_registry_checks_pass_on_the_copy(repository: Path) -> None:
    # This environment has every other service installed; the new one is on the path.
    env = {**os.environ, "PYTHONPATH": str(repository / "services" / "echo" / "src")}
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "tests/deploy/test_registry.py",
        ],
        cwd=repository,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-3000:]
