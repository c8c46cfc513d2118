"""Alembic environment: the URL comes from the caller (alerts.migrate)."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from alerts.migrate import VERSION_TABLE
from alerts.models import Base

config = context.config
url = config.get_main_option("sqlalchemy.url")
engine = create_engine(url)  # type: ignore[arg-type]

with engine.connect() as connection:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        version_table=VERSION_TABLE,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()
engine.dispose()
