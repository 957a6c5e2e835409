"""AppTest fixtures: each test gets a fresh SQLite database, opened by the studio itself."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from storage import Database, open_database

APP = Path(__file__).resolve().parents[2] / "studio" / "app.py"


@pytest.fixture
def studio_db(tmp_path, monkeypatch) -> Iterator[Database]:  # type: ignore[no-untyped-def]
    """The database the studio's pages will open (``studio.state.database``), fresh for this test."""
    monkeypatch.setenv("ROUNDTABLE_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("ROUNDTABLE_DATABASE_URL", f"sqlite:///{tmp_path / 'data' / 'roundtable.db'}")
    st.cache_resource.clear()
    from studio.state import database

    db = database()
    yield db
    st.cache_resource.clear()
    db.close()


@pytest.fixture
def page(studio_db) -> Callable[[str], AppTest]:  # type: ignore[no-untyped-def]
    """``page("models")`` opens the studio (studio/app.py, its navigation) on that page, headlessly."""

    def run(name: str) -> AppTest:
        at = AppTest.from_file(str(APP), default_timeout=60)
        at.switch_page(f"views/{name}.py")
        return at.run()

    return run


def fresh(db: Database) -> Database:
    """Another connection to the same database: what is stored, not what a page caches."""
    return open_database(str(db.engine.url))
