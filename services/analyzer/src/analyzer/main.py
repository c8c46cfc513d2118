"""Entrypoint: `analyzer` (or `python -m analyzer.main`)."""

from __future__ import annotations

import sys

from analyzer.bootstrap import create_app
from analyzer.settings import AnalyzerSettings
from service_runtime.app import serve
from service_runtime.settings import SettingsError, load_settings


def main() -> None:
    """Load settings (failing fast with what is missing) and serve."""
    try:
        settings = load_settings(AnalyzerSettings)
    except SettingsError as error:
        sys.exit(f"analyzer: {error}")
    serve(create_app(settings), settings)


if __name__ == "__main__":
    main()
