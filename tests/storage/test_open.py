"""Opening the database: where it lives, how SQLite is set up, and clear refusals of bad inputs."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from storage import DatabaseOpenError, database_url, open_database
from storage.database import SQLITE_HEADER, make_engine

ROOT = Path(__file__).resolve().parents[2]


def test_the_url_comes_from_the_environment_or_the_data_dir(tmp_path: Path) -> None:
    assert database_url({"ROUNDTABLE_DATA_DIR": str(tmp_path)}) == f"sqlite:///{tmp_path / 'roundtable.db'}"
    assert (
        database_url({"ROUNDTABLE_DATA_DIR": str(tmp_path), "ROUNDTABLE_DATABASE_URL": "sqlite:///x.db"})
        == "sqlite:///x.db"
    )
    assert database_url({}) == f"sqlite:///{Path('data').resolve() / 'roundtable.db'}"


def test_the_default_database_is_created_in_the_data_dir(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = tmp_path / "nested" / "data"
    monkeypatch.delenv("ROUNDTABLE_DATABASE_URL", raising=False)
    monkeypatch.setenv("ROUNDTABLE_DATA_DIR", str(data))
    db = open_database()
    try:
        assert db.location == str(data / "roundtable.db")
        assert (data / "roundtable.db").read_bytes().startswith(SQLITE_HEADER)
    finally:
        db.close()


def test_sqlite_runs_in_wal_mode_with_foreign_keys(tmp_path: Path) -> None:
    db = open_database(f"sqlite:///{tmp_path / 'r.db'}")
    try:
        with db.engine.connect() as connection:

            def pragma(name: str) -> object:
                return connection.exec_driver_sql(f"PRAGMA {name}").scalar()

            assert pragma("journal_mode") == "wal"
            assert pragma("foreign_keys") == 1
            assert pragma("synchronous") == 1  # NORMAL: commits survive a process crash
            assert pragma("busy_timeout") == 30000
    finally:
        db.close()


def test_a_file_that_is_not_sqlite_is_refused_and_left_untouched(tmp_path: Path) -> None:
    path = tmp_path / "notes.db"
    path.write_text("Shopping list: eggs, milk\n")
    with pytest.raises(DatabaseOpenError) as caught:
        open_database(f"sqlite:///{path}")
    assert str(caught.value) == (
        f"{path} is not a SQLite database (it starts with b'Shopping list: e'). "
        "Point ROUNDTABLE_DATABASE_URL at "
        "a Roundtable database, or move this file away to start a new one. The file was not changed."
    )
    assert path.read_text() == "Shopping list: eggs, milk\n"


def test_a_damaged_sqlite_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "damaged.db"
    path.write_bytes(SQLITE_HEADER + b"\x00\x01" * 2000)
    with pytest.raises(DatabaseOpenError, match=f"cannot open the SQLite database {path}: .*Check the file"):
        open_database(f"sqlite:///{path}")


def test_an_in_memory_database_is_refused() -> None:
    with pytest.raises(DatabaseOpenError, match="an in-memory SQLite database is not supported .*use a file"):
        open_database("sqlite://")


def test_a_directory_is_not_a_database(tmp_path: Path) -> None:
    with pytest.raises(DatabaseOpenError, match=f"{tmp_path} is a directory, not a database file"):
        open_database(f"sqlite:///{tmp_path}")


def test_an_uncreatable_data_dir_says_what_to_set(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(
        DatabaseOpenError, match=f"cannot create the data directory {blocker / 'data'} .*ROUNDTABLE_DATA_DIR"
    ):
        open_database(f"sqlite:///{blocker / 'data' / 'roundtable.db'}")


def test_an_unreachable_server_names_the_url_but_not_the_password() -> None:
    url = "postgresql+psycopg://roundtable:hunter2@127.0.0.1:1/roundtable"
    with pytest.raises(DatabaseOpenError) as caught:
        open_database(url)
    message = str(caught.value)
    assert message.startswith(
        "cannot connect to postgresql+psycopg://roundtable:***@127.0.0.1:1/roundtable: "
    )
    assert message.endswith(
        "Check that the server is running and reachable, and that ROUNDTABLE_DATABASE_URL is right."
    )
    assert "hunter2" not in message


def test_urls_are_checked_and_plain_postgresql_gets_the_installed_driver() -> None:
    with pytest.raises(
        DatabaseOpenError, match='"not a url" is not a database URL .*check ROUNDTABLE_DATABASE_URL'
    ):
        open_database("not a url")
    with pytest.raises(
        DatabaseOpenError, match="mysql://u:\\*\\*\\*@db/x: Roundtable supports SQLite and PostgreSQL only"
    ):
        open_database("mysql://u:p@db/x")
    assert make_engine("postgresql://u:p@localhost/x").url.drivername == "postgresql+psycopg"


def test_storage_works_without_importing_the_studio_or_llm_libraries(tmp_path: Path) -> None:
    code = textwrap.dedent(f"""
        import sys
        import storage.eventlog, storage.secrets, storage.transfer
        from storage import open_database
        from storage.designs import list_models, save_model
        from storage.documents import ModelSpec
        db = open_database("sqlite:///{tmp_path / "layers.db"}")
        save_model(db, ModelSpec(name="m", model="x"))
        outside = sorted(m for m in sys.modules if m.split(".")[0] in {{"litellm", "streamlit", "studio"}})
        print([m.name for m in list_models(db)], outside)
    """)
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "['m'] []"
