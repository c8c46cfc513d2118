"""The alerts' store on a real SQL engine (SQLite in memory), migrated as in production."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import create_engine
from sqlalchemy.orm import sessionmaker

from alerts.adapters.sql_alerts import SqlAlertStore
from alerts.migrate import alembic_config


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SqlAlertStore]:
    url = f"sqlite:///{tmp_path}/alerts.db"
    command.upgrade(alembic_config(url), "head")
    engine = create_engine(url)
    yield SqlAlertStore(sessionmaker(engine, expire_on_commit=False))
    engine.dispose()
