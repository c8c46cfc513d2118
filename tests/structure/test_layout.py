"""The code's shape, checked: small modules and functions, and ports that stand above their
adapters. Every library and service is held to it (the stand-ins of Twilio and OpenAI too, as
they ship in an image); migrations are generated, and exempt."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

from harness.registry import ROOT, services

pytestmark = pytest.mark.unit

MAX_MODULE_LINES = 200
MAX_FUNCTION_LINES = 40
SDKS = frozenset(
    {"boto3", "botocore", "openai", "httpx", "twilio", "sqlalchemy", "aiokafka", "aiohttp"}
)
SOURCES = [ROOT / "libs" / name / "src" for name in ("contracts", "service-runtime", "standins")]


def production_modules() -> Iterator[Path]:
    for source in [*SOURCES, *(ROOT / "services" / name / "src" for name in services())]:
        yield from (path for path in source.rglob("*.py") if "migrations" not in path.parts)


def test_no_production_module_passes_200_lines() -> None:
    long = {
        str(path.relative_to(ROOT)): lines
        for path in production_modules()
        if (lines := len(path.read_text().splitlines())) > MAX_MODULE_LINES
    }
    assert long == {}


def test_no_production_function_passes_40_lines() -> None:
    long = {}
    for path in production_modules():
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                lines = (node.end_lineno or node.lineno) - node.lineno + 1
                if lines > MAX_FUNCTION_LINES:
                    long[f"{path.relative_to(ROOT)}:{node.name}"] = lines
    assert long == {}


def imported(tree: ast.Module) -> set[str]:
    """Every module a module imports, by its full name."""
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def defines_a_port(tree: ast.Module) -> bool:
    """A port is a `typing.Protocol` that the module defines."""
    return any(
        isinstance(node, ast.ClassDef)
        and any(isinstance(b, ast.Name) and b.id == "Protocol" for b in node.bases)
        for node in tree.body
    )


@pytest.mark.parametrize("service", services())
def test_ports_import_no_adapter_and_no_sdk(service: str) -> None:
    package = ROOT / "services" / service / "src" / service
    offending = {}
    for path in package.rglob("*.py"):
        if "adapters" in path.relative_to(package).parts:
            continue
        tree = ast.parse(path.read_text())
        if not defines_a_port(tree):
            continue
        wrong = {
            name
            for name in imported(tree)
            if name.startswith(f"{service}.adapters") or name.split(".")[0] in SDKS
        }
        if wrong:
            offending[path.name] = sorted(wrong)
    assert offending == {}


def test_the_checks_see_the_code() -> None:
    """Guards the guards: the walk finds the services' ports and their adapters."""
    modules = list(production_modules())
    assert len(modules) > 100
    ports = [p for p in modules if defines_a_port(ast.parse(p.read_text()))]
    assert any(p.name == "records.py" for p in ports)
    assert any(p.parent.name == "adapters" for p in modules)
