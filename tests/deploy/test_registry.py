"""One list of services, the chart's components: every other place derives from it or is
checked here against it."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest
import yaml

from harness.registry import ROOT, console_scripts, services, workspace_members
from service_runtime.inprocess import InProcessBus

pytestmark = pytest.mark.deploy


def deployable_folders() -> set[str]:
    """Service folders whose package declares a console script of the folder's name."""
    return {
        Path(member).name
        for member in workspace_members()
        if member.startswith("services/") and Path(member).name in console_scripts(member)
    }


def test_every_deployable_service_folder_is_a_component_and_back() -> None:
    assert set(services()) == deployable_folders()


def test_each_component_has_an_entrypoint_module() -> None:
    for service in services():
        source = ROOT / "services" / service / "src" / service
        assert (source / "main.py").exists(), service
        assert (source / "bootstrap.py").exists(), service


def test_the_local_run_wires_every_component() -> None:
    spec = importlib.util.spec_from_file_location("dev", ROOT / "scripts" / "dev.py")
    assert spec and spec.loader
    dev = importlib.util.module_from_spec(spec)
    sys.modules["dev"] = dev  # pydantic resolves the settings' annotations through it
    spec.loader.exec_module(dev)
    settings = dev.DevSettings(dev_base_port=9100, emulator_port=9099)
    apps = dev.apps(settings, "http://127.0.0.1:1", "sqlite://", InProcessBus())
    assert sorted(apps) == [9099, *range(9100, 9100 + len(services()))]


def test_ci_builds_an_image_per_component_from_the_chart() -> None:
    workflow = yaml.safe_load((ROOT / ".github" / "workflows" / "ci.yml").read_text())
    matrix = workflow["jobs"]["images"]["strategy"]["matrix"]["service"]
    assert matrix == "${{ fromJSON(needs.services.outputs.list) }}"
    assert "feedback-intelligence/values.yaml" in str(workflow["jobs"]["services"])


def test_the_dockerfile_names_no_service() -> None:
    dockerfile = (ROOT / "services" / "Dockerfile").read_text()
    instructions = [line for line in dockerfile.splitlines() if not line.startswith("#")]
    for service in services():
        assert not any(f"services/{service}" in line for line in instructions), service
