"""A service as the runtime knows it: registered by its own `main` module.

Every service's `<name>/main.py` declares `service = Service(SettingsClass, create_app)`, so
the import graph shows which settings and composition root make it; the image's entrypoint
runs it, and the local run (`scripts/dev.py`) and the tests find it by name (`entrypoint`).
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Any, Protocol

from starlette.types import ASGIApp

from service_runtime.inprocess import InProcessBus
from service_runtime.running import run_service
from service_runtime.settings import ServiceSettings


class AppFactory(Protocol):
    """A service's `bootstrap.create_app`."""

    def __call__(self, settings: Any, *, bus: InProcessBus | None = None) -> ASGIApp: ...


@dataclass(frozen=True)
class Service:
    """A service's settings class and composition root."""

    settings: type[ServiceSettings]
    create_app: AppFactory

    def run(self) -> None:
        """Load the settings and serve."""
        run_service(self.settings, self.create_app)


def entrypoint(name: str) -> Service:
    """The service registered in `<name>.main`."""
    service = getattr(importlib.import_module(f"{name}.main"), "service", None)
    if not isinstance(service, Service):
        raise LookupError(f"{name}.main must declare `service = Service(...)`")
    return service
