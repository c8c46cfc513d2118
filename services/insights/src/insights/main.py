"""Entrypoint: `insights` (or `python -m insights.main`)."""

from insights.bootstrap import create_app
from insights.settings import InsightsSettings
from service_runtime.app import run_service


def main() -> None:
    """Load the settings and serve."""
    run_service(InsightsSettings, create_app)


if __name__ == "__main__":
    main()
