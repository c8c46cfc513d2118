"""Entrypoint: `persistence` (or `python -m persistence.main`)."""

from persistence.bootstrap import create_app
from persistence.settings import PersistenceSettings
from service_runtime.app import run_service


def main() -> None:
    """Load the settings and serve."""
    run_service(PersistenceSettings, create_app)


if __name__ == "__main__":
    main()
