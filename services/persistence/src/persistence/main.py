"""Entrypoint: `persistence` (or `python -m persistence.main`)."""

from __future__ import annotations

import sys

from persistence.bootstrap import create_app
from persistence.settings import PersistenceSettings
from service_runtime.app import serve
from service_runtime.settings import SettingsError, load_settings


def main() -> None:
    """Load settings (failing fast with what is missing) and serve."""
    try:
        settings = load_settings(PersistenceSettings)
    except SettingsError as error:
        sys.exit(f"persistence: {error}")
    serve(create_app(settings), settings)


if __name__ == "__main__":
    main()
