"""The PostgreSQL fixture is a real server."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

pytestmark = pytest.mark.integration


def test_real_postgres_answers(postgres_url: str) -> None:
    engine = sa.create_engine(postgres_url)
    with engine.connect() as connection:
        version = connection.execute(sa.text("select version()")).scalar_one()
    engine.dispose()
    assert version.startswith("PostgreSQL")
