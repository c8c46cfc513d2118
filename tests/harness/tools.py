"""Deployment-check tools, fetched once into the cache: helm and the other Go programs the
container tests run (each pinned by a wrapper module's go.mod in this repository), and the
Compose schema."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
from pathlib import Path

from harness.kafka import CACHE
from harness.processes import InfrastructureError

HELM_MODULE = "helm.sh/helm/v3/cmd/helm@v3.22.0"
COMPOSE_GO_MODULE = "github.com/compose-spec/compose-go/v2@v2.16.2"


def _go() -> str:
    go = shutil.which("go")
    if go is None:
        raise InfrastructureError("the deployment checks need the Go toolchain (go 1.24+)")
    return go


def ensure_helm() -> Path:
    """The helm binary, built from its Go module on first use."""
    helm = CACHE / "bin" / "helm"
    if not helm.exists():
        go_output("install", HELM_MODULE, what="building helm", GOBIN=str(helm.parent))
    return helm


def go_build(module: Path, package: str, *, ldflags: str = "", name: str | None = None) -> Path:
    """A program built from `package` as the wrapper module at `module` pins it, once: the
    binary is kept under the cache, keyed by the module's go.mod and go.sum."""
    pins = b"".join((module / file).read_bytes() for file in ("go.mod", "go.sum"))
    digest = hashlib.sha256(pins).hexdigest()[:12]
    binary = CACHE / "go" / f"{module.name}-{digest}" / (name or package.rsplit("/", 1)[-1])
    if not binary.exists():
        flags = ["-trimpath", f"-ldflags=-s -w {ldflags}", "-o", str(binary)]
        go_output("build", *flags, package, what=f"building {package}", cwd=module, CGO_ENABLED="0")
    return binary


def go_output(*args: str, what: str, cwd: Path | None = None, **env: str) -> str:
    """Run the go command; its stdout, or InfrastructureError naming `what` failed."""
    result = subprocess.run(
        [_go(), *args], cwd=cwd, env={**go_env(), **env}, capture_output=True, text=True
    )
    if result.returncode != 0:
        raise InfrastructureError(f"{what} failed:\n{result.stderr[-3000:]}")
    return result.stdout


def compose_schema() -> Path:
    """The Compose specification's JSON schema, as the compose-go module ships it."""
    return downloaded_module(COMPOSE_GO_MODULE) / "schema" / "compose-spec.json"


def downloaded_module(module_at_version: str) -> Path:
    """Where the Go module cache holds a module's files, downloading it first if need be."""
    listed = go_output(
        "mod", "download", "-json", module_at_version, what=f"fetching {module_at_version}"
    )
    return Path(json.loads(listed)["Dir"])


def go_env() -> dict[str, str]:
    return {**os.environ, "GOFLAGS": "-mod=mod"}
