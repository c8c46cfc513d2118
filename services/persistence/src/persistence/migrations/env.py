"""Alembic environment: the URL comes from the caller (persistence.migrate)."""

from persistence.models import Base
from service_runtime.sql import run_migrations

run_migrations(Base.metadata)
