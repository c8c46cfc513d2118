"""Apply the alerts' Alembic migrations: `python -m alerts.migrate`. Their own history and
version table (`alerts_alembic_version`), beside persistence's in the same database."""

from __future__ import annotations

from pathlib import Path

from alembic.config import Config

from alerts.settings import AlertsSettings
from service_runtime import sql
from service_runtime.settings import load_settings

MIGRATIONS = Path(__file__).with_name("migrations")
VERSION_TABLE = "alerts_alembic_version"


def alembic_config(database_url: str) -> Config:
    """An Alembic config for the packaged migrations and this database."""
    return sql.alembic_config(MIGRATIONS, database_url)


def main() -> None:
    """`upgrade head` by default; `--downgrade REV` to go back."""
    sql.migrate_main("alerts", lambda: load_settings(AlertsSettings).database_url, MIGRATIONS)


if __name__ == "__main__":
    main()
