"""Entrypoint: `ingress` (or `python -m ingress.main`)."""

from __future__ import annotations

import sys

from ingress.bootstrap import create_app
from ingress.settings import IngressSettings
from service_runtime.app import serve
from service_runtime.settings import SettingsError, load_settings


def main() -> None:
    """Load settings (failing fast with what is missing) and serve."""
    try:
        settings = load_settings(IngressSettings)
    except SettingsError as error:
        sys.exit(f"ingress: {error}")
    serve(create_app(settings), settings)


if __name__ == "__main__":
    main()
