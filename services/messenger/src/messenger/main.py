"""Entrypoint: `messenger` (or `python -m messenger.main`)."""

from __future__ import annotations

import sys

from messenger.bootstrap import create_app
from messenger.settings import MessengerSettings
from service_runtime.app import serve
from service_runtime.settings import SettingsError, load_settings


def main() -> None:
    """Load settings (failing fast with what is missing) and serve."""
    try:
        settings = load_settings(MessengerSettings)
    except SettingsError as error:
        sys.exit(f"messenger: {error}")
    serve(create_app(settings), settings)


if __name__ == "__main__":
    main()
