"""Apply Alembic migrations (shipped in ``storage/migrations``) from code; no alembic.ini needed.

``upgrade`` runs every pending revision in one transaction, under a lock, so a failing migration
leaves the database exactly as it was and two processes starting at once do not race. Before a
SQLite file made by an older version is upgraded, a copy is kept next to it.

On SQLite, altering a table means rebuilding it (``batch_alter_table``), which drops the old table:
with foreign keys on, that would cascade-delete every event of every run. Migrations therefore run
with foreign-key actions off and the keys are checked before commit (``Database.schema_connection``).

Developers: ``python -m storage revision "add x"`` writes the next revision from the tables.
"""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Connection, exc, inspect

from storage.errors import DatabaseOpenError, MigrationError, database_error_reason

if TYPE_CHECKING:
    from alembic.config import Config

    from storage.database import Database

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
# The newest revision in migrations/versions (tests/storage/test_migrations.py checks they agree). An
# up-to-date database is recognised without importing Alembic, which costs ~0.4 s of every start.
HEAD_REVISION = "0011"
_LOCK_KEY = 7_212_004_113  # any constant: the PostgreSQL advisory lock held while migrating


def alembic_config(connection: Connection | None = None) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None, "storage/migrations/versions holds no revision"
    return head


def current_revision(db: Database) -> str | None:
    """The revision the database is at; None for an empty (or foreign) database."""
    from alembic.runtime.migration import MigrationContext

    with db.engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def _check_known(db: Database, revision: str) -> None:
    from alembic.script import ScriptDirectory
    from alembic.util import CommandError

    try:
        ScriptDirectory.from_config(alembic_config()).get_revision(revision)
    except CommandError:
        raise MigrationError(
            f"{db.location} is at schema revision {revision}, which this version of Roundtable does not "
            "know: it was probably written by a newer Roundtable. Upgrade Roundtable, or point "
            "ROUNDTABLE_DATABASE_URL at another database. Nothing was changed."
        ) from None


def _check_not_foreign(db: Database) -> None:
    with db.engine.connect() as connection:
        tables = sorted(inspect(connection).get_table_names())
    if tables and "alembic_version" not in tables:  # present: another process just created it
        shown = ", ".join(tables[:5]) + (", ..." if len(tables) > 5 else "")
        raise DatabaseOpenError(
            f"{db.location} already holds tables ({shown}) but is not a Roundtable database. Roundtable only "
            "creates its tables in an empty database: point ROUNDTABLE_DATABASE_URL at another one. "
            "Nothing was changed."
        )


def _backup_sqlite(db: Database, revision: str) -> Path | None:
    """Copy an older SQLite database aside before upgrading it (kept if one already exists)."""
    if not db.is_sqlite:
        return None
    source = Path(db.location)
    backup = source.with_name(f"{source.name}.before-{revision}")
    if not backup.exists():
        with closing(sqlite3.connect(source)) as src, closing(sqlite3.connect(backup)) as dst:
            src.backup(dst)
    return backup


def _check_foreign_keys(db: Database, connection: Connection, current: str | None, target: str) -> None:
    """On SQLite (keys off while migrating), refuse to commit rows that point at missing rows."""
    if not db.is_sqlite:
        return
    broken = sorted({row[0] for row in connection.exec_driver_sql("PRAGMA foreign_key_check")})
    if broken:
        raise MigrationError(
            f"upgrading the schema of {db.location} from revision {current or '(empty)'} to {target} "
            f"stopped: rows in {', '.join(broken)} would point at missing rows. Nothing was changed. "
            "Report this."
        )


def _is_at_head(db: Database) -> bool:
    """True when the database's recorded revision is the newest one (plain SQL, no Alembic)."""
    try:
        with db.engine.connect() as connection:
            rows = connection.exec_driver_sql("SELECT version_num FROM alembic_version").all()
    except exc.SQLAlchemyError:
        return False
    return len(rows) == 1 and rows[0][0] == HEAD_REVISION


def _create_at_head(db: Database) -> bool:
    """Make the tables of an empty database from the models and record it at the newest revision.

    Alembic's own advice for a new database (``create_all``, then stamp): the same schema as replaying
    every revision (``tests/storage/test_migrations.py`` compares the two), without importing Alembic or
    running eleven revisions on the studio's first start. False when the database is not empty.
    """
    from storage.tables import metadata

    try:
        with db.schema_connection() as connection:
            if connection.dialect.name == "postgresql":
                connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_LOCK_KEY})")
            if inspect(connection).get_table_names():  # another process made it meanwhile, or not ours
                return False
            metadata.create_all(connection)
            connection.exec_driver_sql(
                "CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL, "
                "CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num))"
            )
            connection.exec_driver_sql(f"INSERT INTO alembic_version (version_num) VALUES ('{HEAD_REVISION}')")
    except exc.SQLAlchemyError as error:
        reason = database_error_reason(error)
        raise MigrationError(
            f"creating the tables of the new database {db.location} failed: {reason}. Nothing was kept; "
            "fix the cause (a full disk, a read-only folder, missing rights) and start again."
        ) from None
    return True


def upgrade(db: Database, target: str = "head") -> None:
    """Bring the schema to ``target`` in one transaction; MigrationError (nothing changed) on failure."""
    if target == "head" and (_is_at_head(db) or _create_at_head(db)):
        return
    from alembic import command
    from alembic.util import CommandError

    current = current_revision(db)
    if current is None:
        _check_not_foreign(db)
    else:
        _check_known(db, current)
        if current == head_revision() and target == "head":
            return
    backup = _backup_sqlite(db, current) if current is not None else None
    try:
        with db.schema_connection() as connection:
            if connection.dialect.name == "postgresql":
                connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_LOCK_KEY})")
            command.upgrade(alembic_config(connection), target)
            _check_foreign_keys(db, connection, current, target)
    except (exc.SQLAlchemyError, CommandError) as error:
        reason = database_error_reason(error)
        kept = f" A copy made before the upgrade is at {backup}." if backup else ""
        raise MigrationError(
            f"upgrading the schema of {db.location} from revision {current or '(empty)'} to {target} failed: "
            f"{reason}. The database was left unchanged.{kept} Report this with the message above."
        ) from None
