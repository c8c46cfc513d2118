"""Entrypoint: `echo` (or `python -m echo.main`)."""

from echo.bootstrap import create_app
from echo.settings import EchoSettings
from service_runtime.app import run_service


def main() -> None:
    """Load the settings and serve."""
    run_service(EchoSettings, create_app)
