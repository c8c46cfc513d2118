"""Entrypoint: `media` (or `python -m media.main`)."""

from media.bootstrap import create_app
from media.settings import MediaSettings
from service_runtime.app import run_service


def main() -> None:
    """Load the settings and serve."""
    run_service(MediaSettings, create_app)


if __name__ == "__main__":
    main()
