"""Migrations: the shipped revisions build the tables, upgrade old databases keeping rows, fail safely."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text

from components.events import MessageSent, Usage, event_to_json
from storage import Database, DatabaseOpenError, MigrationError, open_database
from storage.database import make_engine
from storage.designs import get_agent, get_tool, resolve_team
from storage.eventlog import events_after
from storage.migrate import alembic_config, current_revision, head_revision, upgrade
from storage.runs import get_run, list_runs, run_snapshot
from storage.tables import metadata

ROOT = Path(__file__).resolve().parents[2]


def database_at(url: str, revision: str) -> Database:
    """A database built by the migrations up to ``revision`` only (as an older Roundtable left it)."""
    db = Database(make_engine(url))
    upgrade(db, revision)
    assert current_revision(db) == revision
    return db


def fill_first_revision(db: Database) -> None:
    """Rows as Roundtable at revision 0001 wrote them (no runs.owner column yet)."""
    message = MessageSent(sender="user", recipient="coder", role="user", content="hello", ts=1.5)
    usage = Usage(agent="coder", model="gpt-4o-mini", prompt_tokens=9, completion_tokens=1, cost=0.01, ts=2.5)
    snapshot = json.dumps(
        {
            "format": "roundtable.team",
            "schema_version": 1,
            "team": {"name": "Old", "kind": "two_agent", "members": ["user", "coder"], "initiator": "user"},
            "agents": [{"name": "user", "kind": "user_proxy"}, {"name": "coder", "model": "gpt"}],
            "models": [{"name": "gpt", "model": "gpt-4o-mini"}],
            "tools": [],
        }
    )
    statements = [
        (
            "INSERT INTO models (id, name, model, api_key_env, stream, extra, created_at, updated_at)"
            " VALUES (1, 'gpt', 'gpt-4o-mini', 'OPENAI_API_KEY', true, '{}', 1, 1)"
        ),
        (
            "INSERT INTO tools (id, name, description, source, created_at, updated_at)"
            " VALUES (1, 'add', '', 'def add(a, b):\n    return a + b\n', 1, 1)"
        ),
        (
            "INSERT INTO agents (id, name, kind, description, model_id, human_input_mode, termination,"
            " code_execution, context, default_auto_reply, created_at, updated_at) VALUES"
            " (1, 'user', 'user_proxy', '', NULL, 'ALWAYS', '{}', '{\"mode\": \"local\"}', '{}', '', 1, 1),"
            " (2, 'coder', 'assistant', 'writes code', 1, 'NEVER', '{\"mode\": \"endswith\"}', '{}', '{}',"
            " '', 1, 1)"
        ),
        "INSERT INTO agent_tools (agent_id, tool_id, position) VALUES (2, 1, 0)",
        (
            "INSERT INTO teams (id, name, description, kind, initiator_id, speaker_selection,"
            " allow_repeat_speaker, max_round, summary_method, send_introductions, created_at, updated_at)"
            " VALUES (1, 'Old', '', 'two_agent', 1, 'auto', true, 10, 'last_msg', false, 1, 1)"
        ),
        "INSERT INTO team_members (team_id, agent_id, position) VALUES (1, 1, 0), (1, 2, 1)",
        "INSERT INTO sessions (id, title, created_at) VALUES (1, 'Monday', 1)",
        (
            "INSERT INTO runs (id, uid, session_id, team_name, task, status, snapshot, created_at, last_seq)"
            " VALUES (1, 'abc', 1, 'Old', 'say hello', 'running', :snapshot, 1, 2)"
        ),
        (
            "INSERT INTO run_usage (run_id, agent, model, calls, prompt_tokens, completion_tokens, cost)"
            " VALUES (1, 'coder', 'gpt-4o-mini', 1, 9, 1, 0.01)"
        ),
    ]
    with db.engine.begin() as connection:
        for statement in statements:
            connection.execute(text(statement), {"snapshot": snapshot} if ":snapshot" in statement else {})
        connection.execute(
            text(
                "INSERT INTO events (run_id, seq, kind, sender, recipient, ts, payload) VALUES"
                " (1, 1, 'message', 'user', 'coder', 1.5, :m), (1, 2, 'usage', 'coder', NULL, 2.5, :u)"
            ),
            {"m": event_to_json(message), "u": event_to_json(usage)},
        )


def test_the_tables_match_the_migrations(database_url: str) -> None:
    db = database_at(database_url, head_revision())  # every revision replayed, as an upgraded database is
    with db.engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), metadata)
    db.close()
    assert differences == []


def _schema(db: Database) -> dict[str, dict[str, object]]:
    """Everything a table is made of, order aside: columns, keys, references (with their actions), indexes."""
    found: dict[str, dict[str, object]] = {}
    with db.engine.connect() as connection:
        inspector = inspect(connection)
        for table in inspector.get_table_names():
            found[table] = {
                "columns": sorted((c["name"], str(c["type"]), c["nullable"], str(c.get("default"))) for c in
                                  inspector.get_columns(table)),
                "primary": sorted(inspector.get_pk_constraint(table)["constrained_columns"]),
                "references": sorted((tuple(k["constrained_columns"]), k["referred_table"], tuple(k["referred_columns"]),
                                      str(sorted((k.get("options") or {}).items())))
                                     for k in inspector.get_foreign_keys(table)),
                "indexes": sorted((tuple(i["column_names"]), bool(i["unique"])) for i in inspector.get_indexes(table)),
                "unique": sorted(tuple(u["column_names"]) for u in inspector.get_unique_constraints(table)),
            }
    return found


def test_a_new_database_made_from_the_tables_is_the_same_as_one_made_by_the_migrations(
    database_url: str, tmp_path: Path, request: pytest.FixtureRequest,
) -> None:
    migrated = database_at(database_url, head_revision())
    if database_url.startswith("sqlite"):
        fresh_url = f"sqlite:///{tmp_path / 'fresh.db'}"
    else:
        from tests.storage.conftest import postgres_schema_url

        schemas = postgres_schema_url(request.getfixturevalue("postgres_admin"))
        fresh_url = next(schemas)
        request.addfinalizer(lambda: next(schemas, None))
    fresh = open_database(fresh_url)  # an empty database: made from the tables, stamped at the newest revision
    try:
        assert current_revision(fresh) == head_revision()
        assert _schema(fresh) == _schema(migrated)
    finally:
        fresh.close()
        migrated.close()


def test_a_new_database_is_made_without_alembic(tmp_path: Path) -> None:
    """The studio's first start: opening an empty database imports no Alembic (0.4 s) and replays nothing."""
    probe = ("import sys; from storage import open_database; "
             f"db = open_database('sqlite:///{tmp_path / 'new.db'}'); "
             "print('alembic' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=ROOT, timeout=120,
                         check=True)
    assert out.stdout.strip().splitlines()[-1] == "False"


def test_a_database_at_the_first_revision_upgrades_keeping_every_row(database_url: str) -> None:
    old = database_at(database_url, "0001")
    fill_first_revision(old)
    old.close()
    db = open_database(database_url)
    try:
        assert current_revision(db) == head_revision() != "0001"
        team = resolve_team(db, "Old")
        assert team.team.members == ["user", "coder"]
        assert team.team.termination is None  # teams made before 0007 have no team-wide rule
        assert get_agent(db, "coder").tools == ["add"]
        assert get_agent(db, "coder").mcp_tools == {}  # links made before 0011 choose nothing
        assert get_tool(db, "add").kind == "python" and get_tool(db, "add").server is None
        assert get_agent(db, "coder").termination.mode == "endswith"
        run = get_run(db, 1)
        assert (run.task, run.session_id, run.usage[0].prompt_tokens) == ("say hello", 1, 9)
        assert run.status == "interrupted"  # left "running" by a process that no longer exists
        assert [s.event.content for s in events_after(db, 1)[:1]] == ["hello"]
        assert [r.id for r in list_runs(db)] == [1]
    finally:
        db.close()
    if database_url.startswith("sqlite"):
        backup = Path(database_url.removeprefix("sqlite:///") + ".before-0001")
        assert backup.exists()


def test_downgrades_restore_the_first_revision_with_its_rows(database_url: str) -> None:
    old = database_at(database_url, "0001")
    fill_first_revision(old)
    upgrade(old)
    with old.schema_connection() as connection:
        command.downgrade(alembic_config(connection), "0001")
    assert current_revision(old) == "0001"
    with old.engine.connect() as connection:
        row = connection.execute(text("SELECT last_seq, snapshot FROM runs WHERE id = 1")).one()
    assert row[0] == 2 and "Old" in str(row[1])
    old.close()
    db = open_database(database_url)
    assert run_snapshot(db, 1).team.name == "Old"
    db.close()


def test_a_failing_migration_leaves_the_database_as_it_was(database_url: str) -> None:
    old = database_at(database_url, "0001")
    fill_first_revision(old)
    with old.engine.begin() as connection:  # a hand-made change that collides with revision 0002
        connection.execute(text("ALTER TABLE runs ADD COLUMN owner VARCHAR"))
    with pytest.raises(MigrationError) as caught:
        open_database(database_url)
    message = str(caught.value)
    assert f"upgrading the schema of {old.location} from revision 0001 to head failed" in message
    assert "owner" in message
    assert "The database was left unchanged" in message
    assert current_revision(old) == "0001"
    with old.engine.connect() as connection:
        assert connection.execute(text("SELECT name FROM models")).scalars().all() == ["gpt"]
        assert connection.execute(text("SELECT count(*) FROM events")).scalar() == 2
    old.close()


def test_an_upgrade_that_would_break_references_is_rolled_back(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'orphans.db'}"
    old = database_at(url, "0001")
    fill_first_revision(old)
    with old.engine.connect() as connection:  # an orphan row, as only a foreign-key-less writer could leave
        raw = connection.connection.dbapi_connection
        raw.execute("PRAGMA foreign_keys=OFF")
        raw.execute(
            "INSERT INTO run_usage (run_id, agent, model, calls, prompt_tokens, completion_tokens)"
            " VALUES (77, 'ghost', 'm', 1, 1, 1)"
        )
        raw.execute("PRAGMA foreign_keys=ON")
    with pytest.raises(
        MigrationError, match="rows in run_usage would point at missing rows. Nothing was changed"
    ):
        open_database(url)
    assert current_revision(old) == "0001"
    old.close()


def test_a_database_from_a_newer_roundtable_is_refused(db: Database, database_url: str) -> None:
    with db.engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '0999'"))
    with pytest.raises(MigrationError) as caught:
        open_database(database_url)
    assert str(caught.value) == (
        f"{db.location} is at schema revision 0999, which this version of Roundtable does not know: it was "
        "probably written by a newer Roundtable. Upgrade Roundtable, or point ROUNDTABLE_DATABASE_URL at "
        "another "
        "database. Nothing was changed."
    )


def test_a_foreign_database_is_left_alone(database_url: str) -> None:
    foreign = Database(make_engine(database_url))
    with foreign.engine.begin() as connection:
        connection.execute(text("CREATE TABLE customers (id INTEGER PRIMARY KEY, name VARCHAR)"))
        connection.execute(text("INSERT INTO customers VALUES (1, 'Ada')"))
    with pytest.raises(
        DatabaseOpenError, match=r"already holds tables \(customers\) but is not a Roundtable database"
    ):
        open_database(database_url)
    with foreign.engine.connect() as connection:
        assert connection.execute(text("SELECT name FROM customers")).scalar() == "Ada"
    assert current_revision(foreign) is None
    foreign.close()


def test_processes_starting_at_once_migrate_once(database_url: str) -> None:
    opened: list[Database] = []
    errors: list[BaseException] = []

    def start() -> None:
        try:
            opened.append(open_database(database_url))
        except BaseException as error:  # noqa: BLE001 (reported below)
            errors.append(error)

    threads = [threading.Thread(target=start) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert {current_revision(db) for db in opened} == {head_revision()}
    for db in opened:
        db.close()


def test_the_migrate_command_reports_the_revision(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    result = subprocess.run(
        [sys.executable, "-m", "storage", "upgrade"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "ROUNDTABLE_DATABASE_URL": url},
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert (
        result.stdout.strip()
        == f"{tmp_path / 'cli.db'} is at revision {head_revision()} (code head {head_revision()})"
    )


def test_head_revision_constant_matches_the_migrations() -> None:
    """open_database skips importing Alembic when a database is at HEAD_REVISION: it must be the newest."""
    from storage.migrate import HEAD_REVISION

    assert HEAD_REVISION == head_revision()
