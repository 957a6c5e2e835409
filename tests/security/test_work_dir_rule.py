"""``code_execution.work_dir`` names a folder inside the run's folder, or is refused with its field path:
on import, in the Agents form and in the run engine (issue 11, item 6)."""

from __future__ import annotations

import json

import pytest

from storage import DocumentError, open_database
from storage.designs import list_agents
from storage.documents import AgentSpec
from storage.runs import get_run
from storage.transfer import import_run
from storage.validation import dump_document, load_run_json, load_team_json
from tests.studio.conftest import fresh
from tests.studio.helpers import click, texts
from tests.studio_runs.conftest import coder_team

HOSTILE = ["/etc", "../..", "sub/../../../outside", "~/x", "C:\\Windows", "\\\\server\\share"]


def _team_json(work_dir: str) -> dict:  # type: ignore[type-arg]
    data = json.loads(dump_document(coder_team("http://127.0.0.1:9/v1")))
    executor = next(a for a in data["agents"] if a["name"] == "executor")
    executor["code_execution"]["work_dir"] = work_dir
    return data


@pytest.mark.parametrize("work_dir", HOSTILE)
def test_an_imported_team_with_an_outside_work_dir_is_refused_with_its_path(work_dir: str) -> None:
    with pytest.raises(DocumentError) as info:
        load_team_json(json.dumps(_team_json(work_dir)), "team.json")
    paths = [p.path for p in info.value.problems]
    assert paths == ["agents[1].code_execution.work_dir"], info.value
    assert "inside the run's folder" in str(info.value)


def test_a_relative_folder_is_kept() -> None:
    document = load_team_json(json.dumps(_team_json("coding/plots")), "team.json")
    assert document.agent("executor").code_execution.work_dir == "coding/plots"


def test_an_imported_run_whose_snapshot_names_an_outside_work_dir_is_refused(tmp_path, llm, make_engine) -> None:  # type: ignore[no-untyped-def]
    db = open_database(f"sqlite:///{tmp_path / 'a.db'}")
    engine = make_engine(db)
    llm.script("writer", ["TERMINATE"])
    run_id = engine.start(coder_team(llm.url), "hi", api_keys={"Scripted": "k"})
    engine.wait(run_id, 30)
    from studio.runs.export import run_json

    data = json.loads(run_json(db, run_id))
    data["snapshot"]["agents"][1]["code_execution"]["work_dir"] = "/"
    with pytest.raises(DocumentError) as info:
        import_run(open_database(f"sqlite:///{tmp_path / 'b.db'}"), load_run_json(json.dumps(data), "run.json"))
    assert "snapshot.agents[1].code_execution.work_dir" in str(info.value)


def test_the_engine_refuses_a_snapshot_that_bypassed_the_rule(tmp_path, llm, make_engine) -> None:  # type: ignore[no-untyped-def]
    """A snapshot stored before the rule existed (built here without validation) still cannot escape."""
    db = open_database(f"sqlite:///{tmp_path / 'a.db'}")
    engine = make_engine(db)
    outside = tmp_path / "outside"
    document = coder_team(llm.url)
    executor = document.agent("executor")
    executor.code_execution.work_dir = str(outside)  # pydantic does not validate assignment here
    llm.script("writer", ["```sh\necho escaped > proof.txt\n```", "TERMINATE"])

    run_id = engine.start(document, "hi", api_keys={"Scripted": "k"})
    engine.wait(run_id, 30)

    run = get_run(db, run_id)
    assert run.status == "failed"
    # Refused by the builder (a document handed in directly) or by the snapshot check (one read back from
    # the database): either way the sentence names the field and the rule.
    assert "code_execution.work_dir" in run.error and "must be a folder inside the run's folder" in run.error
    assert not outside.exists()
    assert llm.requests_for("writer") == []  # refused before anything ran


def test_the_agents_form_refuses_an_outside_work_dir(page, studio_db) -> None:  # type: ignore[no-untyped-def]
    at = page("agents")
    click(at, "agents.new")
    at.text_input(key="agents.f.name").input("runner")
    at.radio(key="agents.f.exec_mode").set_value("local").run()
    at.text_input(key="agents.f.exec_work_dir").input("../../etc")
    click(at, "agents.save")
    assert "exec_work_dir" not in texts(at)  # the message sits under its own field, not in the page's list
    assert "must be a folder inside the run's folder" in texts(at)
    assert [a.name for a in list_agents(fresh(studio_db))] == []
    assert AgentSpec(name="ok", code_execution={"mode": "local", "work_dir": "coding"}).code_execution.work_dir == "coding"
