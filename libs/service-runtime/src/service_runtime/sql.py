"""What the services with a database of their own share: the engine, what "the database is
away" looks like, and their Alembic migrations (`python -m <service>.migrate`, each history
with its own version table). Needs the `sql` extra: `service-runtime[sql]`."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

from alembic import command, context
from alembic.config import Config
from sqlalchemy import Engine, MetaData, create_engine
from sqlalchemy import exc as sa_exc

from service_runtime.settings import SettingsError


def engine_for(database_url: str, pool_size: int) -> Engine:
    """An engine that checks a pooled connection before use and never puts a statement's
    parameters (a customer's words) in an error; SQLite (`make dev`) keeps its own pool."""
    return create_engine(
        database_url,
        pool_pre_ping=True,
        hide_parameters=True,
        **({"pool_size": pool_size} if "sqlite" not in database_url else {}),
    )


def database_unavailable(error: BaseException) -> bool:
    """PostgreSQL refused or dropped the connection, or timed out: it will answer again."""
    if isinstance(error, sa_exc.DBAPIError) and error.connection_invalidated:
        return True
    return isinstance(error, sa_exc.OperationalError | sa_exc.InterfaceError | sa_exc.TimeoutError)


def alembic_config(migrations: Path, database_url: str) -> Config:
    """An Alembic config for a service's packaged migrations and this database."""
    config = Config()
    config.set_main_option("script_location", str(migrations))
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


def run_migrations(metadata: MetaData, *, version_table: str = "alembic_version") -> None:
    """The body of a service's `migrations/env.py`: the URL comes from the caller."""
    url = context.config.get_main_option("sqlalchemy.url")
    engine = create_engine(url)  # type: ignore[arg-type]
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=metadata,
            version_table=version_table,
            render_as_batch=connection.dialect.name == "sqlite",
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


def migrate_main(name: str, database_url: Callable[[], str], migrations: Path) -> None:
    """`python -m <name>.migrate`: `upgrade head` by default; `--downgrade REV` to go back.
    `database_url` loads the service's settings (SettingsError names what is missing)."""
    parser = argparse.ArgumentParser(description=f"Apply {name}'s Alembic migrations.")
    parser.add_argument("--downgrade", metavar="REVISION")
    args = parser.parse_args()
    try:
        url = database_url()
    except SettingsError as error:
        sys.exit(f"{name}.migrate: {error}")
    config = alembic_config(migrations, url)
    if args.downgrade:
        command.downgrade(config, args.downgrade)
    else:
        command.upgrade(config, "head")
