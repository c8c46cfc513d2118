"""The one list of services: the chart's `components`. Everything else reads it or is
checked against it (tests/deploy/test_registry.py)."""

from __future__ import annotations

import tomllib
from functools import cache
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
VALUES = ROOT / "k8s" / "feedback-intelligence" / "values.yaml"


def chart_values(root: Path = ROOT) -> dict[str, Any]:
    """The chart's default values."""
    values: dict[str, Any] = yaml.safe_load((root / VALUES.relative_to(ROOT)).read_text())
    return values


@cache
def services(root: Path = ROOT) -> tuple[str, ...]:
    """The deployed services, in the order the chart lists them."""
    return tuple(chart_values(root)["components"])


def workspace_members(root: Path = ROOT) -> list[str]:
    """Every workspace member's folder, relative to the root (`libs/*`, `services/*`)."""
    patterns = tomllib.loads((root / "pyproject.toml").read_text())["tool"]["uv"]["workspace"]
    return sorted(
        str(path.parent.relative_to(root))
        for pattern in patterns["members"]
        for path in root.glob(f"{pattern}/pyproject.toml")
    )


def provisioning(service: str, root: Path = ROOT) -> list[str]:
    """The service's provisioning modules, by the shared layout: `<service>.provision` (tables,
    buckets), then `<service>.migrate` (its schema); `make compose` renders the same steps."""
    package = root / "services" / service / "src" / service
    return [
        f"{service}.{step}"
        for step in ("provision", "migrate")
        if (package / f"{step}.py").exists()
    ]


def console_scripts(member: str, root: Path = ROOT) -> set[str]:
    """The console scripts a member's pyproject.toml declares."""
    project = tomllib.loads((root / member / "pyproject.toml").read_text())["project"]
    return set(project.get("scripts", {}))
