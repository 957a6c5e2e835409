"""Open the database: resolve its URL, create the engine, migrate, and interrupt runs whose lease lapsed.

SQLite (the default, one file in the data directory) runs in WAL mode with foreign keys on. Write
transactions start with ``BEGIN IMMEDIATE`` and are serialised inside the process, so concurrent writers
wait for each other instead of failing with "database is locked".

Durability is the same on both databases: a committed transaction survives a crash of the process;
a power cut, or a crash of the machine or of the PostgreSQL server, can lose the last fraction of a
second of commits, never corrupting anything (SQLite ``synchronous=NORMAL``, PostgreSQL
``synchronous_commit=off``). Without that, every commit waits for a disk flush, which limits event
appends to a few hundred per second.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, event, exc, make_url
from sqlalchemy.engine import URL
from sqlmodel import Session, create_engine

from storage.control import interrupt_lapsed_runs
from storage.errors import DatabaseOpenError, database_error_reason
from storage.migrate import upgrade

DATABASE_URL_ENV = "ROUNDTABLE_DATABASE_URL"
DATA_DIR_ENV = "ROUNDTABLE_DATA_DIR"
DEFAULT_DATA_DIR = "data"
DATABASE_FILE = "roundtable.db"
SQLITE_HEADER = b"SQLite format 3\x00"
_WRITE_OPTION = "roundtable_write"
_URL_EXAMPLES = "e.g. sqlite:///path/to/roundtable.db or postgresql+psycopg://user:password@host:5432/name"


def data_dir(env: Mapping[str, str] = os.environ) -> Path:
    """Where Roundtable keeps its files: ``$ROUNDTABLE_DATA_DIR``, else ``./data``."""
    return Path(env.get(DATA_DIR_ENV) or DEFAULT_DATA_DIR).resolve()


def database_url(env: Mapping[str, str] = os.environ) -> str:
    """``$ROUNDTABLE_DATABASE_URL``, else a SQLite file in the data directory."""
    return env.get(DATABASE_URL_ENV) or f"sqlite:///{data_dir(env) / DATABASE_FILE}"


def _parse_url(url: str) -> URL:
    try:
        parsed = make_url(url)
    except exc.ArgumentError:
        raise DatabaseOpenError(
            f'"{url}" is not a database URL ({_URL_EXAMPLES}); check {DATABASE_URL_ENV}.'
        ) from None
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")  # the driver Roundtable installs
    if parsed.get_backend_name() not in ("sqlite", "postgresql"):
        raise DatabaseOpenError(
            f"{parsed.render_as_string(hide_password=True)}: Roundtable supports SQLite and PostgreSQL only "
            f"({_URL_EXAMPLES})."
        )
    return parsed


class Database:
    """An open database: the engine, plus short read and write sessions (pass it to every function)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.is_sqlite = engine.dialect.name == "sqlite"
        self._writer = engine.execution_options(**{_WRITE_OPTION: True})
        self._write_lock: Any = threading.Lock() if self.is_sqlite else nullcontext()
        self._sqlite_writer: Any = None

    @property
    def url(self) -> str:
        """The URL with any password masked: safe to show and log."""
        return self.engine.url.render_as_string(hide_password=True)

    @property
    def location(self) -> str:
        """What to show a person: the SQLite file's path, else the masked URL."""
        if self.is_sqlite:
            return str(Path(str(self.engine.url.database)).resolve())
        return self.url

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A session for reading, in one consistent snapshot."""
        with Session(self.engine, expire_on_commit=False) as session, session.begin():
            yield session

    @contextmanager
    def write(self) -> Iterator[Session]:
        """A session whose changes commit together when the block ends (or roll back on an error)."""
        with self._write_lock, Session(self._writer, expire_on_commit=False) as session, session.begin():
            yield session

    @contextmanager
    def schema_connection(self) -> Iterator[Connection]:
        """A Core connection in a write transaction, for migrations.

        On SQLite, foreign-key actions are off inside it: rebuilding a table (how SQLite alters one) must
        not cascade-delete the rows that refer to it. ``storage.migrate`` checks the keys before commit.
        """
        with self._write_lock, self._writer.connect() as connection:
            raw = connection.connection.dbapi_connection
            if self.is_sqlite:
                raw.execute("PRAGMA foreign_keys=OFF")  # only takes effect outside a transaction
            try:
                with connection.begin():
                    yield connection
            finally:
                if self.is_sqlite:
                    raw.execute("PRAGMA foreign_keys=ON")

    @contextmanager
    def write_cursor(self) -> Iterator[Any]:
        """A DBAPI cursor in a write transaction, for the hot path (appending events).

        SQL uses ``?`` placeholders (see ``sql``). Commits when the block ends. On SQLite, where writes
        are serialised anyway, one connection is kept for this, which saves a pool round trip per call.
        """
        with self._write_lock:
            if self.is_sqlite:
                self._sqlite_writer = self._sqlite_writer or self.engine.raw_connection()
                connection = self._sqlite_writer
            else:
                connection = self.engine.raw_connection()
            try:
                cursor = connection.cursor()
                if self.is_sqlite:
                    cursor.execute("BEGIN IMMEDIATE")
                yield cursor
                connection.commit()
            except BaseException:
                connection.rollback()
                raise
            finally:
                if not self.is_sqlite:
                    connection.close()  # back to the pool

    @contextmanager
    def read_cursor(self) -> Iterator[Any]:
        """A DBAPI cursor for one read on the hot path (loading events); SQL as for ``write_cursor``."""
        connection = self.engine.raw_connection()
        try:
            yield connection.cursor()
        finally:
            connection.close()  # back to the pool (which ends any transaction)

    def sql(self, statement: str) -> str:
        """``statement`` with ``?`` placeholders rewritten for this database's driver."""
        return statement if self.is_sqlite else statement.replace("?", "%s")

    def close(self) -> None:
        with self._write_lock:
            if self._sqlite_writer is not None:
                self._sqlite_writer.close()
                self._sqlite_writer = None
        self.engine.dispose()


def _check_sqlite_file(path: Path) -> None:
    if path.is_dir():
        raise DatabaseOpenError(f"{path} is a directory, not a database file; check {DATABASE_URL_ENV}.")
    if path.exists():
        with path.open("rb") as file:
            head = file.read(len(SQLITE_HEADER))
        if head and head != SQLITE_HEADER:
            raise DatabaseOpenError(
                f"{path} is not a SQLite database (it starts with {head!r}). Point {DATABASE_URL_ENV} at a "
                "Roundtable database, or move this file away to start a new one. The file was not changed."
            )
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise DatabaseOpenError(
            f"cannot create the data directory {path.parent} ({error.strerror}); set {DATA_DIR_ENV} or "
            f"{DATABASE_URL_ENV} to a writable place."
        ) from None


def _sqlite_engine(url: URL) -> Engine:
    if url.database in (None, "", ":memory:"):
        raise DatabaseOpenError(
            f"{url}: an in-memory SQLite database is not supported (it would vanish, and threads could "
            "not share it); use a file, e.g. sqlite:///path/to/roundtable.db"
        )
    _check_sqlite_file(Path(url.database))
    engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # SQLAlchemy emits BEGIN itself (below)
        cursor = dbapi_connection.cursor()
        for pragma in ("journal_mode=WAL", "foreign_keys=ON", "synchronous=NORMAL", "busy_timeout=30000"):
            cursor.execute(f"PRAGMA {pragma}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        write = connection.get_execution_options().get(_WRITE_OPTION)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

    return engine


def make_engine(url: str) -> Engine:
    """An engine for ``url`` with Roundtable's settings; no connection is made yet."""
    parsed = _parse_url(url)
    if parsed.get_backend_name() == "sqlite":
        return _sqlite_engine(parsed)
    engine = create_engine(parsed, pool_pre_ping=True, connect_args={"connect_timeout": 10})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        with dbapi_connection.cursor() as cursor:
            cursor.execute("SET synchronous_commit TO OFF")
        dbapi_connection.commit()

    return engine


def check_connection(db: Database) -> None:
    """Connect once, turning driver errors into a message that names the database and what to do."""
    try:
        with db.engine.connect() as connection:
            connection.exec_driver_sql("SELECT count(*) FROM sqlite_master" if db.is_sqlite else "SELECT 1")
    except exc.DBAPIError as error:
        reason = database_error_reason(error)
        if _disk_full(reason):
            raise DatabaseOpenError(_write_refused(db, error)) from None
        if db.is_sqlite:
            raise DatabaseOpenError(
                f"cannot open the SQLite database {db.location}: {reason}. Check the file and its "
                f"permissions, or point {DATABASE_URL_ENV} elsewhere."
            ) from None
        raise DatabaseOpenError(
            f"cannot connect to {db.url}: {reason}. Check that the server is running and reachable, and that "
            f"{DATABASE_URL_ENV} is right."
        ) from None


def open_database(url: str | None = None) -> Database:
    """Open (creating if needed) and upgrade the database, then mark runs whose lease lapsed interrupted."""
    db = Database(make_engine(url or database_url()))
    try:
        check_connection(db)
        upgrade(db)
        interrupt_lapsed_runs(db)
    except (exc.DBAPIError, sqlite3.Error) as error:  # e.g. a full disk refusing the first write
        db.close()
        raise DatabaseOpenError(_write_refused(db, error)) from None
    except BaseException:
        db.close()
        raise
    return db


def _disk_full(reason: str) -> bool:
    return any(words in reason.lower() for words in ("disk is full", "no space left", "disk full"))


def _write_refused(db: Database, error: BaseException) -> str:
    reason = database_error_reason(error)
    hint = (
        "The disk that holds it is full: free some space there, or point "
        f"{DATA_DIR_ENV} / {DATABASE_URL_ENV} at a disk with room."
        if _disk_full(reason)
        else "Check that the file (or server) accepts writes."
    )
    return f"cannot open the database {db.location}: it refused a write ({reason}). {hint} Nothing was lost."
