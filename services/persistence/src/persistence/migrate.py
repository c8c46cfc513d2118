"""Apply the Alembic migrations before the service starts: `python -m persistence.migrate`."""

from __future__ import annotations

from pathlib import Path

from alembic.config import Config

from persistence.settings import PersistenceSettings
from service_runtime import sql
from service_runtime.settings import load_settings

MIGRATIONS = Path(__file__).with_name("migrations")


def alembic_config(database_url: str) -> Config:
    """An Alembic config for the packaged migrations and this database."""
    return sql.alembic_config(MIGRATIONS, database_url)


def main() -> None:
    """`upgrade head` by default; `--downgrade REV` to go back."""
    sql.migrate_main(
        "persistence", lambda: load_settings(PersistenceSettings).database_url, MIGRATIONS
    )


if __name__ == "__main__":
    main()
