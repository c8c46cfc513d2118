"""Alembic environment: the URL comes from the caller (persistence.migrate) or DATABASE_URL."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from persistence.models import Base

config = context.config
url = config.get_main_option("sqlalchemy.url")
engine = create_engine(url)  # type: ignore[arg-type]

with engine.connect() as connection:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()
engine.dispose()
