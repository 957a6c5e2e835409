"""Team checks: every problem at once, stored or not, including what only this machine can tell."""

from __future__ import annotations

import pytest

from storage import open_database
from storage.designs import save_agent, save_model, save_tool
from storage.documents import (
    AgentSpec,
    CodeExecutionSpec,
    ModelSpec,
    TeamDocument,
    TeamSpec,
    TeamTerminationSpec,
    ToolSpec,
    TransitionsSpec,
)
from studio.validation import validate_document, validate_team


@pytest.fixture
def db(tmp_path):  # type: ignore[no-untyped-def]
    database = open_database(f"sqlite:///{tmp_path / 'v.db'}")
    save_model(database, ModelSpec(name="local", model="local/smollm2"))
    save_tool(database, ToolSpec(name="add", source="def add(a: int) -> int:\n    '''A.'''\n    return a\n"))
    save_agent(database, AgentSpec(name="user", kind="user_proxy", human_input_mode="NEVER",
                                   code_execution=CodeExecutionSpec(mode="local")))
    save_agent(database, AgentSpec(name="coder", model="local"))
    save_agent(database, AgentSpec(name="silent", kind="conversable", human_input_mode="NEVER"))
    save_agent(database, AgentSpec(name="bare", kind="assistant"))
    yield database
    database.close()


def messages(issues, severity="error"):  # type: ignore[no-untyped-def]
    return [str(i) for i in issues if i.severity == severity]


def test_a_sound_team_has_no_errors(db):  # type: ignore[no-untyped-def]
    team = TeamSpec(name="ok", kind="two_agent", members=["user", "coder"], initiator="user", max_turns=2)
    assert messages(validate_team(db, team)) == []
    assert messages(validate_team(db, team), "warning") == []


def test_every_problem_is_listed_at_once(db, monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("DOCKER_HOST", "tcp://127.0.0.1:9")
    save_agent(db, AgentSpec(name="boxed", kind="user_proxy", code_execution=CodeExecutionSpec(mode="docker")))
    team = TeamSpec(
        name="bad", kind="group", members=["boxed", "bare", "silent", "ghost"], initiator="nobody",
        manager_model="gone", transitions=TransitionsSpec(type="allowed", edges={"bare": ["outsider"]}),
    )
    found = "\n".join(messages(validate_team(db, team)))
    assert 'members: agent "ghost" is not in saved agents' in found
    assert 'initiator: "nobody" is not a member' in found
    assert 'manager model: unknown model "gone"' in found
    assert 'transitions: "outsider" is not a member' in found
    assert 'agent "bare": has no model' in found
    assert 'agent "silent": can never reply' in found
    assert 'agent "boxed": Docker engine not reachable at tcp://127.0.0.1:9' in found


def test_a_group_of_one_and_a_pair_of_three(db):  # type: ignore[no-untyped-def]
    solo = TeamSpec(name="solo", kind="group", members=["coder"], initiator="coder")
    assert "members: a group chat needs at least 2 members, got 1" in messages(validate_team(db, solo))
    trio = TeamSpec(name="trio", kind="two_agent", members=["user", "coder", "bare"], initiator="user")
    assert "members: a two-agent chat needs exactly 2 members, got 3" in messages(validate_team(db, trio))


def test_model_key_and_local_model_are_checked(db, monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.delenv("ROUNDTABLE_TEST_KEY", raising=False)
    save_model(db, ModelSpec(name="cloud", model="gpt-4o-mini", api_key_env="ROUNDTABLE_TEST_KEY"))
    save_agent(db, AgentSpec(name="cloudy", model="cloud"))
    team = TeamSpec(name="t", kind="two_agent", members=["user", "cloudy"], initiator="user", max_turns=1)
    assert any("ROUNDTABLE_TEST_KEY, which is not set" in m for m in messages(validate_team(db, team)))
    monkeypatch.setenv("ROUNDTABLE_TEST_KEY", "sk-x")
    assert messages(validate_team(db, team)) == []
    monkeypatch.setenv("ROUNDTABLE_LOCAL_MODEL_PATH", "/nonexistent/model.gguf")
    local = TeamSpec(name="l", kind="two_agent", members=["user", "coder"], initiator="user", max_turns=1)
    assert any("the built-in local model is not installed" in m for m in messages(validate_team(db, local)))


def test_tools_need_a_model(db):  # type: ignore[no-untyped-def]
    document = TeamDocument(
        team=TeamSpec(name="t", kind="two_agent", members=["user", "proxy2"], initiator="user", max_turns=1),
        agents=[AgentSpec(name="user", kind="user_proxy", human_input_mode="NEVER"),
                AgentSpec(name="proxy2", kind="user_proxy", human_input_mode="NEVER", tools=["add"])],
        tools=[ToolSpec(name="add", source="def add(a: int) -> int:\n    '''A.'''\n    return a\n")],
    )
    assert 'agent "proxy2": has tools (add) but no model to call them' in messages(validate_document(document))


def test_warnings_for_chats_that_may_never_end_and_unreachable_speakers(db):  # type: ignore[no-untyped-def]
    endless = TeamSpec(name="e", kind="two_agent", members=["user", "coder"], initiator="user")
    assert any("nothing limits this chat" in m for m in messages(validate_team(db, endless), "warning"))
    limited = endless.model_copy(update={"termination": TeamTerminationSpec(max_messages=8)})
    assert not any("nothing limits this chat" in m for m in messages(validate_team(db, limited), "warning"))
    late = TeamSpec(name="l", kind="group", members=["user", "coder"], initiator="user", speaker_selection="round_robin",
                    max_round=5, termination=TeamTerminationSpec(max_messages=9))
    assert ("end rules: the chat stops after 5 rounds (one message each), so the limit of 9 messages is never "
            "reached: raise the rounds") in messages(validate_team(db, late), "warning")
    graph = TeamSpec(
        name="g", kind="group", members=["user", "coder", "bare"], initiator="user", speaker_selection="round_robin",
        transitions=TransitionsSpec(type="allowed", edges={"user": ["coder"], "coder": ["user"]}),
    )
    warnings = messages(validate_team(db, graph), "warning")
    assert 'transitions: "bare" can never speak: no transition leads to it' in warnings
    assert 'transitions: no one may speak after "bare": the chat stops with an error when it speaks' in warnings
    none = graph.model_copy(update={"transitions": TransitionsSpec(type="allowed", edges={})})
    assert "transitions: no one may ever speak after anyone: allow at least one transition" in messages(
        validate_team(db, none))
