"""Entrypoint: `ingress` (or `python -m ingress.main`)."""

from ingress.bootstrap import create_app
from ingress.settings import IngressSettings
from service_runtime.app import run_service


def main() -> None:
    """Load the settings and serve."""
    run_service(IngressSettings, create_app)


if __name__ == "__main__":
    main()
