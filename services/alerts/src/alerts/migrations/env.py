"""Alembic environment: the URL comes from the caller (alerts.migrate)."""

from alerts.migrate import VERSION_TABLE
from alerts.models import Base
from service_runtime.sql import run_migrations

run_migrations(Base.metadata, version_table=VERSION_TABLE)
