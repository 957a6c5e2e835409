"""'Automatic' speaker selection in a group without a manager model uses the team's model and says which
(studio demo issue, item 5); with no model anywhere the team check calls it an error."""

from __future__ import annotations

from components.events import Notice, SpeakerSelected
from components.llm.scripted import say
from storage.documents import AgentSpec, ModelSpec, TeamDocument, TeamSpec
from storage.eventlog import events_after
from studio.validation import validate_document


def _group(api_base: str, with_model: bool = True) -> TeamDocument:
    return TeamDocument(
        team=TeamSpec(name="Auto group", kind="group", members=["host", "planner", "critic"], initiator="host",
                      speaker_selection="auto", max_round=2),
        agents=[
            AgentSpec(name="host", kind="user_proxy", human_input_mode="NEVER"),
            AgentSpec(name="planner", kind="assistant", model="Scripted" if with_model else None),
            AgentSpec(name="critic", kind="assistant", model="Scripted" if with_model else None),
        ],
        models=[ModelSpec(name="Scripted", model="openai/writer", api_base=api_base, stream=False,
                          extra={"max_retries": 0})] if with_model else [],
    )


def test_auto_selection_without_a_manager_model_uses_the_first_members_model(engine, db, llm) -> None:
    llm.script("writer", [say("critic"), say("Looks fine.")])
    run_id = engine.start(_group(llm.url), "Review the plan.", api_keys={"Scripted": "k"})
    assert engine.wait(run_id, 60)
    events = [e.event for e in events_after(db, run_id)]
    notices = [e.message for e in events if isinstance(e, Notice)]
    assert 'No manager model is set: the model "Scripted" (of planner) chooses who speaks next.' in notices
    chosen = [e for e in events if isinstance(e, SpeakerSelected)]
    assert chosen and (chosen[0].speaker, chosen[0].method) == ("critic", "auto")  # the model chose, not the order
    assert "Review the plan." in str(llm.requests[0]["messages"])


def test_the_team_check_says_which_model_chooses_or_that_none_can() -> None:
    issues = validate_document(_group("http://127.0.0.1:9/v1"))
    assert any(i.severity == "warning" and 'the model "Scripted" (of planner) chooses who speaks next' in i.message
               for i in issues)
    issues = validate_document(_group("http://127.0.0.1:9/v1", with_model=False))
    assert any(i.severity == "error" and i.where == "speaker selection" for i in issues)
