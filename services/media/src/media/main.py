"""Entrypoint: `media` (or `python -m media.main`)."""

from __future__ import annotations

import sys

from media.bootstrap import create_app
from media.settings import MediaSettings
from service_runtime.app import serve
from service_runtime.settings import SettingsError, load_settings


def main() -> None:
    """Load settings (failing fast with what is missing) and serve."""
    try:
        settings = load_settings(MediaSettings)
    except SettingsError as error:
        sys.exit(f"media: {error}")
    serve(create_app(settings), settings)


if __name__ == "__main__":
    main()
