"""Apply the alerts' Alembic migrations: `python -m alerts.migrate`. Their own history and
version table (`alerts_alembic_version`), beside persistence's in the same database."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from alembic import command
from alembic.config import Config

from alerts.settings import AlertsSettings
from service_runtime.settings import SettingsError, load_settings

MIGRATIONS = Path(__file__).with_name("migrations")
VERSION_TABLE = "alerts_alembic_version"


def alembic_config(database_url: str) -> Config:
    """An Alembic config for the packaged migrations and this database."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


def main() -> None:
    """`upgrade head` by default; `--downgrade REV` to go back."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--downgrade", metavar="REVISION")
    args = parser.parse_args()
    try:
        settings = load_settings(AlertsSettings)
    except SettingsError as error:
        sys.exit(f"alerts.migrate: {error}")
    config = alembic_config(settings.database_url)
    if args.downgrade:
        command.downgrade(config, args.downgrade)
    else:
        command.upgrade(config, "head")


if __name__ == "__main__":
    main()
