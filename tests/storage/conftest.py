"""Every storage test that takes ``db`` or ``database_url`` runs twice: on a SQLite file in a temp dir and
on PostgreSQL (a fresh schema per test in the database named by ``ROUNDTABLE_TEST_POSTGRES_URL``)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, create_engine, make_url, text

from storage import Database, open_database
from tests.support.services import missing_service

POSTGRES_ENV = "ROUNDTABLE_TEST_POSTGRES_URL"


@pytest.fixture(scope="session")
def postgres_admin() -> Iterator[Engine]:
    """An engine on the test PostgreSQL database, or a skip (a failure under CI=true) without one."""
    url = os.environ.get(POSTGRES_ENV)
    if not url:
        missing_service(f"PostgreSQL ({POSTGRES_ENV} is not set)")
    engine = create_engine(url, connect_args={"connect_timeout": 5})
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as error:  # noqa: BLE001 (any failure means: no usable server)
        engine.dispose()
        missing_service(f"PostgreSQL at {make_url(url).render_as_string()} ({type(error).__name__})")
    yield engine
    engine.dispose()


def postgres_schema_url(admin: Engine) -> Iterator[str]:
    """A URL whose connections work in a new, empty schema; the schema is dropped afterwards."""
    schema = f"test_{uuid.uuid4().hex[:12]}"
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = admin.url.update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'roundtable.db'}"
    else:
        yield from postgres_schema_url(request.getfixturevalue("postgres_admin"))


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    database = open_database(database_url)
    yield database
    database.close()
