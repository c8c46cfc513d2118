"""Entrypoint: `messenger` (or `python -m messenger.main`)."""

from messenger.bootstrap import create_app
from messenger.settings import MessengerSettings
from service_runtime.app import run_service


def main() -> None:
    """Load the settings and serve."""
    run_service(MessengerSettings, create_app)


if __name__ == "__main__":
    main()
