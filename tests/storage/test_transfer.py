"""Import and export of teams and runs: idempotent, conflict-aware, one transaction each."""

from __future__ import annotations

import json

import pytest

import storage.transfer
from components.events import CodeFinished, MessageSent, Usage
from storage import Conflict, Database, DocumentError, NameConflictError
from storage.designs import (
    delete_agent,
    delete_model,
    delete_team,
    delete_tool,
    get_agent,
    get_team,
    list_agents,
    list_models,
    list_teams,
    resolve_team,
    save_agent,
)
from storage.documents import TeamTerminationSpec
from storage.eventlog import append_events, events_after
from storage.runs import create_run, delete_run, get_run, list_runs, set_run_status
from storage.transfer import export_run, export_team, import_run, import_team, team_conflicts
from storage.validation import dump_document, load_run_json, load_team_json
from tests.storage.helpers import sample_document, store_document


def delete_everything(db: Database) -> None:
    for team in list_teams(db):
        delete_team(db, team.name)
    for agent in list_agents(db):
        delete_agent(db, agent.name)
    delete_tool(db, "add")
    for model in list_models(db):
        delete_model(db, model.name)


def test_a_team_exports_and_imports_its_end_rules(db: Database) -> None:
    document = sample_document()
    rules = TeamTerminationSpec(text_mention="APPROVED", max_messages=6)
    store_document(db, document.model_copy(update={"team": document.team.model_copy(update={"termination": rules})}))
    text = dump_document(export_team(db, "Research"))
    assert json.loads(text)["team"]["termination"] == {"text_mention": "APPROVED", "max_messages": 6}
    delete_everything(db)
    import_team(db, load_team_json(text, "research.json"))
    assert get_team(db, "Research").termination == rules


def test_an_exported_team_imports_back_identical(db: Database) -> None:
    store_document(db, sample_document())
    text = dump_document(export_team(db, "Research"))
    delete_everything(db)
    report = import_team(db, load_team_json(text, "research.json"))
    assert report.team == "Research"
    assert sorted(report.created) == sorted(
        [
            'model "gpt"',
            'model "judge"',
            'tool "add"',
            'agent "user"',
            'agent "coder"',
            'agent "critic"',
            'team "Research"',
        ]
    )
    assert resolve_team(db, "Research") == sample_document()


def test_importing_the_same_file_twice_reuses_everything(db: Database) -> None:
    document = sample_document()
    import_team(db, document)
    report = import_team(db, document)
    assert report.created == report.copied == report.overwritten == []
    assert len(report.reused) == 7
    assert len(list_agents(db)) == 3 and len(list_teams(db)) == 1


def test_conflicts_are_listed_and_nothing_is_stored_until_the_user_chooses(db: Database) -> None:
    store_document(db, sample_document())
    save_agent(
        db, get_agent(db, "coder").model_copy(update={"system_message": "Local edit."}), replacing="coder"
    )
    incoming = sample_document().model_copy(deep=True)
    incoming.models.append(incoming.models[0].model_copy(update={"name": "brand-new"}))
    assert team_conflicts(db, incoming) == [Conflict("agent", "coder")]
    with pytest.raises(NameConflictError) as caught:
        import_team(db, incoming, source="research.json")
    assert (
        str(caught.value)
        == 'research.json: agent "coder" already exists with different content; choose overwrite or copy'
    )
    assert caught.value.conflicts == [Conflict("agent", "coder")]
    assert "brand-new" not in [m.name for m in list_models(db)]


def test_overwrite_replaces_the_stored_items(db: Database) -> None:
    store_document(db, sample_document())
    save_agent(
        db, get_agent(db, "coder").model_copy(update={"system_message": "Local edit."}), replacing="coder"
    )
    report = import_team(db, sample_document(), on_conflict="overwrite")
    assert report.overwritten == ['agent "coder"']
    assert get_agent(db, "coder").system_message == "You write Python."
    assert len(list_agents(db)) == 3


def test_copy_stores_renamed_copies_once(db: Database) -> None:
    store_document(db, sample_document())
    save_agent(
        db, get_agent(db, "coder").model_copy(update={"system_message": "Local edit."}), replacing="coder"
    )
    first = import_team(db, sample_document(), on_conflict="copy")
    assert first.copied == ['agent "coder" as "coder_2"', 'team "Research" as "Research (2)"']
    assert first.team == "Research (2)"
    copy = get_team(db, "Research (2)")
    assert copy.members == ["user", "coder_2", "critic"]
    assert copy.transitions is not None and copy.transitions.edges["coder_2"] == ["critic", "user"]
    assert get_agent(db, "coder").system_message == "Local edit."
    second = import_team(db, sample_document(), on_conflict="copy")
    assert second.copied == [] and second.team == "Research (2)"
    assert [t.name for t in list_teams(db)] == ["Research", "Research (2)"]


def test_a_copied_agent_keeps_speaking_under_its_original_name(db: Database) -> None:
    """Issue 15 item 12: the copy is its own agent (editing one team's coder leaves the other's alone), but
    the conversation still calls it "coder", not "coder_2"."""
    store_document(db, sample_document())
    save_agent(db, get_agent(db, "coder").model_copy(update={"system_message": "Local edit."}), replacing="coder")
    import_team(db, sample_document(), on_conflict="copy")

    assert get_agent(db, "coder_2").display_name == "coder" and get_agent(db, "coder").display_name is None
    copy = resolve_team(db, "Research (2)")
    assert copy.speaking_members() == ["user", "coder", "critic"]
    assert resolve_team(db, "Research").speaking_members() == ["user", "coder", "critic"]


def test_an_import_that_fails_midway_stores_nothing(db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    real_save = storage.transfer.save_in

    def failing_save(session, kind, spec, replacing=None, actor=None):  # type: ignore[no-untyped-def]
        if kind.label == "team":
            raise RuntimeError("disk full")
        real_save(session, kind, spec, replacing, actor)

    monkeypatch.setattr(storage.transfer, "save_in", failing_save)
    with pytest.raises(RuntimeError, match="disk full"):
        import_team(db, sample_document())
    assert list_models(db) == [] and list_agents(db) == []


def test_an_invalid_document_object_is_refused_with_paths(db: Database) -> None:
    broken = sample_document().model_copy(deep=True)
    broken.agents[1].model = "gpt5"
    broken.team.members.append("ghost")
    with pytest.raises(DocumentError) as caught:
        import_team(db, broken, source="broken.json")
    assert [str(p) for p in caught.value.problems] == [
        'agents[1].model: unknown model "gpt5" (models defined: "gpt", "judge")',
        'team.members[3]: agent "ghost" is not in agents',
    ]
    assert list_models(db) == []


def run_with_events(db: Database) -> int:
    run_id = create_run(db, resolve_team(db, "Research"), "Plot AAPL")
    set_run_status(db, run_id, "running")
    append_events(
        db,
        run_id,
        [
            MessageSent(sender="user", recipient="chat_manager", role="user", content="Plot AAPL"),
            Usage(agent="coder", model="gpt-4o-mini", prompt_tokens=120, completion_tokens=30, cost=0.002),
            CodeFinished(
                agent="user",
                exec_id="e1",
                language="python",
                exit_code=0,
                output="saved plot.png",
                duration_s=1.25,
                artifacts=[{"path": "plot.png", "mime": "image/png", "size": 2048}],
            ),
        ],
    )
    return run_id


def test_a_run_exports_and_imports_for_replay_elsewhere(db: Database) -> None:
    store_document(db, sample_document())
    run_id = run_with_events(db)
    set_run_status(db, run_id, "completed")
    before = get_run(db, run_id)
    original_events = events_after(db, run_id)
    text = dump_document(export_run(db, run_id))
    delete_run(db, run_id)
    result = import_run(db, load_run_json(text, "run.json"))
    assert result.created
    after = get_run(db, result.run_id)
    assert after.model_dump(exclude={"id", "worker"}) == before.model_dump(exclude={"id", "worker"})
    assert events_after(db, result.run_id) == original_events
    again = import_run(db, load_run_json(text, "run.json"))
    assert (again.run_id, again.created) == (result.run_id, False)
    assert len(list_runs(db)) == 1


def test_a_run_exported_while_running_arrives_interrupted(db: Database) -> None:
    store_document(db, sample_document())
    run_id = run_with_events(db)
    document = export_run(db, run_id)
    assert document.run.status == "running"
    set_run_status(db, run_id, "stopped")
    delete_run(db, run_id)
    imported = import_run(db, document)
    assert get_run(db, imported.run_id).status == "interrupted"


def test_a_damaged_run_file_lists_every_problem(db: Database) -> None:
    store_document(db, sample_document())
    data = json.loads(dump_document(export_run(db, run_with_events(db))))
    data["events"][1]["seq"] = 7
    data["events"][2]["kind"] = "message"
    data["events"][0]["payload"]["role"] = None
    data["snapshot"]["team"]["initiator"] = "nobody"
    with pytest.raises(DocumentError) as caught:
        load_run_json(json.dumps(data), "run-42.json")
    assert [str(p) for p in caught.value.problems] == [
        'snapshot.team.initiator: "nobody" is not a member (members: "user", "coder", "critic")',
        "events[0].payload.role: Input should be a valid string",
        "events[1].seq: expected 2, got 7",
        'events[2].kind: "message" but the payload is "code_finished"',
    ]
    assert str(caught.value).startswith("run-42.json is not valid (4 problems):")
