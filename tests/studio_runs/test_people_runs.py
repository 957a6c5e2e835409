"""Runs of several people: each run is its owner's, keys stay with their owner, viewers start nothing,
the CLI acts for a named person, and an exposed studio without sign-in runs no code on its host.
Real parts: SQLite, the scripted chat-completions server through litellm's HTTP path, CLI subprocesses."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from storage.design_rows import MODEL, TEAM
from storage.designs import set_shared
from storage.errors import AccessError, KeyNotSharedError, NotFoundError
from storage.people import set_role, sign_in
from storage.runs import get_run, list_runs
from storage.secrets import store_api_key
from storage.transfer import import_team
from studio.exposure import HostCodeRefused, host_code_refusal, listens_beyond_loopback
from studio.runs.service import continue_run, start_team_run
from studio.runs.store import store_run
from tests.studio_runs.conftest import coder_team

ROOT = Path(__file__).resolve().parents[2]


def _people(db):  # type: ignore[no-untyped-def]
    return sign_in(db, "idp|ada", "ada@example.org", "Ada"), sign_in(db, "idp|bob", "bob@example.org", "Bob")


def _ada_team(db, llm, ada):  # type: ignore[no-untyped-def]
    """Ada's coder team with a key she typed; the team is shared, the model (and key) not yet."""
    import_team(db, coder_team(llm.url), actor=ada)
    store_api_key(db, "Scripted", "sk-ada", actor=ada)
    set_shared(db, TEAM, "Coder + Executor", True, actor=ada)


def test_a_run_uses_its_owners_key_and_someone_elses_only_when_shared(db, engine, llm) -> None:  # type: ignore[no-untyped-def]
    ada, bob = _people(db)
    _ada_team(db, llm, ada)
    llm.script("writer", ["TERMINATE"])
    mine = start_team_run(db, engine, "Coder + Executor", "hello", actor=ada)
    assert engine.wait(mine, 60) and get_run(db, mine).status == "completed"
    assert llm.authorizations == ["Bearer sk-ada"]

    with pytest.raises(KeyNotSharedError, match="has not shared it"):
        start_team_run(db, engine, "Coder + Executor", "use her key", actor=bob)
    assert llm.authorizations == ["Bearer sk-ada"] and list_runs(db, actor=bob) == []

    set_shared(db, MODEL, "Scripted", True, share_key=True, actor=ada)
    llm.script("writer", ["TERMINATE"])
    his = start_team_run(db, engine, "Coder + Executor", "now shared", actor=bob)
    assert engine.wait(his, 60) and get_run(db, his).status == "completed"
    assert get_run(db, his).owner_id == bob.person_id and llm.authorizations[-1] == "Bearer sk-ada"


def test_a_run_executed_elsewhere_gets_its_owners_keys_not_the_executors(db, engine, llm, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """A worker (or a detached CLI process) resolves keys from the run's stored owner."""
    ada, bob = _people(db)
    _ada_team(db, llm, ada)
    from storage.designs import resolve_team

    run_id = store_run(db, engine.data_dir, resolve_team(db, "Coder + Executor", bob), "queued", owner=bob)
    assert engine.execute(run_id)  # executed as a worker does: no keys handed over
    run = get_run(db, run_id)
    assert run.status == "failed" and "has not shared it" in (run.error or "")
    assert llm.authorizations == []


def test_continuing_someone_elses_shared_run_makes_your_own(db, engine, llm) -> None:  # type: ignore[no-untyped-def]
    ada, bob = _people(db)
    _ada_team(db, llm, ada)
    set_shared(db, MODEL, "Scripted", True, share_key=True, actor=ada)
    llm.script("writer", ["TERMINATE", "TERMINATE"])
    first = start_team_run(db, engine, "Coder + Executor", "hello", actor=ada)
    assert engine.wait(first, 60)
    with pytest.raises(NotFoundError, match=f"there is no run {first}"):
        continue_run(db, engine, first, "more", actor=bob)  # not shared: as if it did not exist
    from storage.runs import set_run_shared

    set_run_shared(db, first, True, ada)
    follow = continue_run(db, engine, first, "more", actor=bob)
    assert engine.wait(follow, 60)
    assert get_run(db, follow).owner_id == bob.person_id and get_run(db, first).owner_id == ada.person_id


def test_a_viewer_is_refused_a_run_by_the_service_itself(db, engine, llm) -> None:  # type: ignore[no-untyped-def]
    ada, bob = _people(db)
    _ada_team(db, llm, ada)
    set_role(db, ada, bob.person_id, "viewer")
    viewer = sign_in(db, "idp|bob", "bob@example.org", "Bob")
    with pytest.raises(AccessError, match="viewers cannot start runs"):
        start_team_run(db, engine, "Coder + Executor", "hello", actor=viewer)
    assert list_runs(db) == [] and llm.authorizations == []


def test_an_exposed_studio_without_sign_in_runs_no_code_on_its_host(db, engine, llm) -> None:  # type: ignore[no-untyped-def]
    assert listens_beyond_loopback(None) and listens_beyond_loopback("0.0.0.0") and listens_beyond_loopback("::")
    assert listens_beyond_loopback("studio.example.org") and listens_beyond_loopback("10.0.0.5")
    assert not any(listens_beyond_loopback(a) for a in ("127.0.0.1", "localhost", "::1", "[::1]", "unix:///tmp/s"))
    assert host_code_refusal(signed_in=True, exposed=True, env={}) is None
    assert host_code_refusal(signed_in=False, exposed=False, env={}) is None
    assert host_code_refusal(False, True, {"ROUNDTABLE_ALLOW_ANONYMOUS_CODE": "1"}) is None

    engine.host_code_refusal = host_code_refusal(False, True, {})
    import_team(db, coder_team(llm.url))
    with pytest.raises(HostCodeRefused, match='agent "executor" runs code on this host.*Docker'):
        start_team_run(db, engine, "Coder + Executor", "print(1)")
    from storage.designs import resolve_team

    stored = store_run(db, engine.data_dir, resolve_team(db, "Coder + Executor"), "print(1)")
    assert engine.execute(stored)  # refused by the engine too, not only by the page
    run = get_run(db, stored)
    assert run.status == "failed" and "runs no code on its own host" in (run.error or "")
    assert llm.authorizations == []


def _cli(tmp_path, *args):  # type: ignore[no-untyped-def]
    env = {**os.environ, "ROUNDTABLE_DATA_DIR": str(tmp_path / "data"),
           "ROUNDTABLE_DATABASE_URL": f"sqlite:///{tmp_path / 'roundtable.db'}", "ROUNDTABLE_LEASE_S": "5"}
    return subprocess.run([sys.executable, "-m", "studio", *args], cwd=ROOT, env=env, text=True,
                          capture_output=True, timeout=180)


def test_the_cli_acts_for_the_person_user_names(db, llm, tmp_path) -> None:  # type: ignore[no-untyped-def]
    ada, bob = _people(db)
    import_team(db, coder_team(llm.url), actor=ada)
    llm.script("writer", ["TERMINATE"])
    ran = _cli(tmp_path, "run", "--user", "ada@example.org", "--team", "Coder + Executor", "--task", "hi")
    assert ran.returncode == 0, ran.stdout + ran.stderr
    (run,) = list_runs(db)
    assert run.owner_id == ada.person_id
    hidden = _cli(tmp_path, "status", str(run.id), "--user", "bob@example.org")
    assert hidden.returncode == 3 and f"there is no run {run.id}" in hidden.stderr
    assert _cli(tmp_path, "list", "--user", "bob@example.org").stdout.strip() == "no runs"
    team = _cli(tmp_path, "run", "--user", "bob@example.org", "--team", "Coder + Executor", "--task", "hi")
    assert team.returncode == 2 and 'there is no team named "Coder + Executor"' in team.stderr
    nobody = _cli(tmp_path, "list", "--user", "nobody@example.org")
    assert nobody.returncode != 0 and "has signed in to this studio yet" in nobody.stderr
    assert str(run.id) in _cli(tmp_path, "list").stdout  # the local admin (no --user) sees every run
