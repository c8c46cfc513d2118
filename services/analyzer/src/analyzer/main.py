"""Entrypoint: `analyzer` (or `python -m analyzer.main`)."""

from analyzer.bootstrap import create_app
from analyzer.settings import AnalyzerSettings
from service_runtime.app import run_service


def main() -> None:
    """Load the settings and serve."""
    run_service(AnalyzerSettings, create_app)


if __name__ == "__main__":
    main()
