"""A stored API key goes only to the endpoint it was typed for (security issue, hole 1).

Two real scripted chat-completions servers on loopback: "home" is where the key was entered for, "other"
is a server a hostile document points at. litellm's real HTTP path is between; the servers record every
``Authorization`` header they receive.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from components.events import MessageSent
from components.llm.scripted import ScriptedLLMServer, say
from storage import open_database
from storage.designs import get_model, save_agent, save_model, save_team
from storage.eventlog import append_events
from storage.runs import create_run, set_run_status
from storage.secrets import key_source, resolve_api_key, store_api_key
from storage.transfer import export_run, import_run, import_team
from storage.validation import dump_document
from studio.runs.engine import RunEngine
from studio.runs.service import continue_run, start_team_run
from studio.transfer_io import parse_upload
from tests.studio_runs.conftest import coder_team

ROOT = Path(__file__).resolve().parents[2]
SECRET = "sk-home-only-4f1c"


@pytest.fixture
def other() -> Iterator[ScriptedLLMServer]:
    with ScriptedLLMServer(default=lambda body: say("TERMINATE")) as server:
        yield server


@pytest.fixture
def engine_factory(tmp_path):  # type: ignore[no-untyped-def]
    engines: list[RunEngine] = []

    def make(db):  # type: ignore[no-untyped-def]
        engines.append(RunEngine(db, tmp_path / "data", input_timeout_s=30))
        return engines[-1]

    yield make
    for engine in engines:
        engine.close()


def _home_db(tmp_path, home_url: str):  # type: ignore[no-untyped-def]
    """A studio database whose team "Coder + Executor" uses model "Scripted" at ``home_url``, key stored."""
    db = open_database(f"sqlite:///{tmp_path / 'studio.db'}")
    document = coder_team(home_url)
    for model in document.models:
        save_model(db, model)
    for agent in document.agents:
        save_agent(db, agent)
    save_team(db, document.team)
    store_api_key(db, "Scripted", SECRET)
    return db, document


def _leaked(server: ScriptedLLMServer) -> list[str | None]:
    return [a for a in server.authorizations if a and SECRET in a]


def test_the_key_goes_to_its_own_server(tmp_path, llm, other, engine_factory) -> None:
    llm.script("writer", ["TERMINATE"])
    db, _ = _home_db(tmp_path, llm.url)
    engine = engine_factory(db)
    run_id = start_team_run(db, engine, "Coder + Executor", "hello")
    engine.wait(run_id, 30)
    assert llm.authorizations == [f"Bearer {SECRET}"]
    assert other.authorizations == []


def test_cli_team_file_that_reuses_the_name_with_another_server_gets_no_key(tmp_path, llm, other) -> None:
    db, _ = _home_db(tmp_path, llm.url)
    db.close()
    hostile = tmp_path / "other.json"
    hostile.write_text(dump_document(coder_team(other.url)))
    env = {**os.environ, "ROUNDTABLE_DATA_DIR": str(tmp_path / "data"),
           "ROUNDTABLE_DATABASE_URL": f"sqlite:///{tmp_path / 'studio.db'}"}
    done = subprocess.run([sys.executable, "-m", "studio", "run", "--team", str(hostile), "--task", "x"],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 2, done.stdout + done.stderr
    assert 'The model "Scripted" points at ' + other.url in done.stderr
    assert "enter the key again for that server" in done.stderr
    assert other.authorizations == [] and llm.authorizations == []


def test_imported_run_whose_snapshot_points_elsewhere_cannot_continue_with_the_key(tmp_path, llm, other,
                                                                                  engine_factory) -> None:
    db, _ = _home_db(tmp_path, llm.url)
    # An exported run from elsewhere: same model name, another server.
    source = open_database(f"sqlite:///{tmp_path / 'source.db'}")
    run_id = create_run(source, coder_team(other.url), "earlier task")
    append_events(source, run_id, [MessageSent(sender="executor", recipient="coder", role="user", content="earlier task")])
    set_run_status(source, run_id, "completed")
    imported = import_run(db, export_run(source, run_id)).run_id

    with pytest.raises(Exception) as raised:
        continue_run(db, engine_factory(db), imported, "go on")
    assert "enter the key again for that server" in str(raised.value)
    assert other.authorizations == []


def test_overwrite_import_that_moves_a_model_says_so_and_drops_the_key(tmp_path, llm, other, engine_factory) -> None:
    db, _ = _home_db(tmp_path, llm.url)
    hostile = coder_team(other.url)

    parsed = parse_upload(db, dump_document(hostile), "other.json")
    assert parsed.endpoint_changes == [
        f'model "Scripted" would point at {other.url} instead of {llm.url}; its stored key would be removed'
    ]
    report = import_team(db, hostile, on_conflict="overwrite")
    assert len(report.keys_dropped) == 1 and "its stored key was removed" in report.keys_dropped[0]
    assert key_source(db, get_model(db, "Scripted")) == "not_needed"

    engine = engine_factory(db)
    run_id = start_team_run(db, engine, "Coder + Executor", "hello")
    engine.wait(run_id, 30)
    assert other.authorizations, "the run should have reached the other server"
    assert _leaked(other) == [] and llm.authorizations == []


def test_resolve_compares_provider_and_base_url_not_spelling(tmp_path, llm) -> None:
    db, document = _home_db(tmp_path, llm.url)
    model = document.models[0]
    same = model.model_copy(update={"api_base": llm.url.upper().replace("/V1", "/v1") + "/"})
    assert resolve_api_key(db, same) == SECRET
    other_provider = model.model_copy(update={"model": "anthropic/writer"})
    assert key_source(db, other_provider) == "stored_elsewhere"
    with pytest.raises(Exception, match="enter the key again"):
        resolve_api_key(db, other_provider)


def test_extra_cannot_redirect_requests(tmp_path, llm) -> None:
    from pydantic import ValidationError

    model = coder_team(llm.url).models[0]
    with pytest.raises(ValidationError, match="sets where requests go"):
        model.model_validate({**model.model_dump(), "extra": {"base_url": "http://127.0.0.1:1/v1"}})
