"""Team termination rules (a phrase, a message limit) applied by the builder and ended by the engine,
through the run engine on a real SQLite file and the scripted model server."""

from __future__ import annotations

from components.events import ChatFinished, MessageSent
from storage.documents import (
    AgentSpec,
    ModelSpec,
    TeamDocument,
    TeamSpec,
    TeamTerminationSpec,
    TerminationSpec,
)
from storage.eventlog import events_after
from studio.runs.service import continue_run

KEYS = {"Scripted": "sk-test", "Judge": "sk-test"}


def _models(api_base: str) -> list[ModelSpec]:
    return [
        ModelSpec(name="Scripted", model="openai/writer", api_base=api_base, extra={"max_retries": 0}),
        ModelSpec(name="Judge", model="openai/critic", api_base=api_base, extra={"max_retries": 0}),
    ]


def group_team(api_base: str, rules: TeamTerminationSpec) -> TeamDocument:
    return TeamDocument(
        team=TeamSpec(name="Review", kind="group", members=["writer", "critic"], initiator="writer",
                      speaker_selection="round_robin", max_round=10, termination=rules),
        agents=[AgentSpec(name="writer", kind="assistant", model="Scripted"),
                AgentSpec(name="critic", kind="assistant", model="Judge")],
        models=_models(api_base),
    )


def pair_team(api_base: str, rules: TeamTerminationSpec) -> TeamDocument:
    return TeamDocument(
        team=TeamSpec(name="Pair", kind="two_agent", members=["user", "coder"], initiator="user", termination=rules),
        agents=[AgentSpec(name="coder", kind="assistant", model="Scripted"),
                AgentSpec(name="user", kind="user_proxy", human_input_mode="NEVER", default_auto_reply="go on")],
        models=_models(api_base),
    )


def _finish(db, engine, document, task="write a haiku"):  # type: ignore[no-untyped-def]
    run_id = engine.start(document, task, api_keys=KEYS)
    assert engine.wait(run_id, 30)
    events = [e.event for e in events_after(db, run_id, 0)]
    finished = [e for e in events if isinstance(e, ChatFinished)]
    assert len(finished) == 1
    return [e for e in events if isinstance(e, MessageSent)], finished[0].reason


def test_a_group_chat_ends_when_a_member_says_the_phrase(db, engine, llm) -> None:
    llm.script("critic", ["Needs a second line.", "Good now. APPROVED, ship it."])
    llm.script("writer", ["Draft two.", "never reached"])
    messages, reason = _finish(db, engine, group_team(llm.url, TeamTerminationSpec(text_mention="APPROVED")))
    assert reason == 'critic said "APPROVED"'
    assert [m.sender for m in messages] == ["writer", "critic", "writer", "critic"]
    assert llm.remaining("writer") == 1


def test_the_phrase_in_the_task_itself_does_not_end_the_chat(db, engine, llm) -> None:
    llm.script("writer", ["Working on it.", "DONE"])
    document = pair_team(llm.url, TeamTerminationSpec(text_mention="DONE"))
    messages, reason = _finish(db, engine, document, task="Write a haiku, then say DONE.")
    assert reason == 'coder said "DONE"'
    assert [m.content for m in messages] == ["Write a haiku, then say DONE.", "Working on it.", "go on", "DONE"]


def test_a_group_chat_ends_at_the_message_limit(db, engine, llm) -> None:
    llm.script("critic", [f"critique {i}" for i in range(5)])
    llm.script("writer", [f"draft {i}" for i in range(5)])
    rules = TeamTerminationSpec(text_mention="APPROVED", max_messages=4)
    messages, reason = _finish(db, engine, group_team(llm.url, rules))
    assert reason == "the limit of 4 messages was reached"
    assert [m.sender for m in messages] == ["writer", "critic", "writer", "critic"]


def test_a_group_chat_still_ends_on_terminate_with_team_rules(db, engine, llm) -> None:
    llm.script("critic", ["TERMINATE"])
    messages, reason = _finish(db, engine, group_team(llm.url, TeamTerminationSpec(max_messages=6)))
    assert reason == "termination message from critic"
    assert len(messages) == 2


def test_a_bare_terminate_does_not_end_a_group_chat_that_turned_it_off(db, engine, llm) -> None:
    """A small model says TERMINATE before any work is done: the team's rule keeps the chat going."""
    llm.script("critic", ["TERMINATE", "Still fine."])
    llm.script("writer", ["Draft two.", "Draft three."])
    document = group_team(llm.url, TeamTerminationSpec(bare_terminate=False))
    document.team.max_round = 5
    for agent in document.agents:  # their own rule would end it too (as in AutoGen): the gallery team does this
        agent.termination = TerminationSpec(mode="never")
    messages, reason = _finish(db, engine, document)
    assert [m.sender for m in messages] == ["writer", "critic", "writer", "critic", "writer"]
    assert [m.content for m in messages][1:3] == ["TERMINATE", "Draft two."]
    assert "TERMINATE" not in reason  # the rounds ended it, not the word


def test_a_two_agent_chat_ends_when_the_phrase_is_said(db, engine, llm) -> None:
    llm.script("writer", ["First try.", "Here it is. All DONE."])
    messages, reason = _finish(db, engine, pair_team(llm.url, TeamTerminationSpec(text_mention="DONE")))
    assert reason == 'coder said "DONE"'
    assert [m.sender for m in messages] == ["user", "coder", "user", "coder"]


def test_a_two_agent_chat_ends_at_the_message_limit(db, engine, llm) -> None:
    llm.script("writer", [f"reply {i}" for i in range(5)])
    messages, reason = _finish(db, engine, pair_team(llm.url, TeamTerminationSpec(max_messages=3)))
    assert reason == "the limit of 3 messages was reached"
    assert [m.sender for m in messages] == ["user", "coder", "user"]
    assert llm.remaining("writer") == 4


def test_a_continued_run_gets_the_whole_message_limit_again(db, engine, llm) -> None:
    llm.script("writer", [f"reply {i}" for i in range(5)])
    first = engine.start(pair_team(llm.url, TeamTerminationSpec(max_messages=3)), "start", api_keys=KEYS)
    assert engine.wait(first, 30)
    follow = continue_run(db, engine, first, "more")
    assert engine.wait(follow, 30)
    events = [e.event for e in events_after(db, follow, 0)]
    contents = [e.content for e in events if isinstance(e, MessageSent)]
    assert contents == ["start", "reply 0", "go on", "more", "reply 1", "go on"]
    assert [e.reason for e in events if isinstance(e, ChatFinished)] == ["the limit of 3 messages was reached"]
    assert llm.remaining("writer") == 3
