"""Design documents and their validation: every problem, each with its JSON path."""

from __future__ import annotations

import json

import pytest
from pydantic import ValidationError

from storage.documents import (
    AgentSpec,
    CodeExecutionSpec,
    ModelSpec,
    TeamDocument,
    TeamTerminationSpec,
    ToolSpec,
)
from storage.errors import DocumentError
from storage.validation import check_team_document, dump_document, load_run_json, load_team_json
from tests.storage.helpers import sample_document


def problems_of(data: object) -> list[str]:
    document, problems = check_team_document(data)
    assert document is None
    return [str(p) for p in problems]


def test_a_valid_document_round_trips_through_json() -> None:
    document = sample_document()
    again = load_team_json(dump_document(document), "team.json")
    assert again == document
    assert again.agent("coder").tools == ["add"]
    assert again.model("judge").api_base == "http://127.0.0.1:11434"


def test_team_termination_round_trips_and_bad_rules_are_named() -> None:
    document = sample_document()
    team = document.team.model_copy(update={"termination": TeamTerminationSpec(text_mention="APPROVED", max_messages=6)})
    document = document.model_copy(update={"team": team})
    again = load_team_json(dump_document(document), "team.json")
    assert again.team.termination is not None
    assert (again.team.termination.text_mention, again.team.termination.max_messages) == ("APPROVED", 6)
    data = json.loads(dump_document(document))
    for bad, expected in (
        ({}, "give a text_mention, a max_messages, or both"),
        ({"max_messages": 0}, "team.termination.max_messages"),
        ({"text_mention": "   "}, "must contain more than spaces"),
        ({"text_mention": "x", "every": 3}, "team.termination.every"),
    ):
        data["team"]["termination"] = bad
        assert any(expected in problem for problem in problems_of(data)), (bad, problems_of(data))


def test_every_reference_problem_is_reported_with_its_path() -> None:
    data = sample_document().model_dump(mode="json")
    data["agents"][1]["model"] = "gpt5"
    data["agents"][2]["tools"] = ["search"]
    data["team"]["members"][2] = "x"
    data["team"]["initiator"] = "nobody"
    data["team"]["manager_model"] = "boss"
    data["team"]["transitions"]["edges"]["coder"] = ["ghost"]
    assert problems_of(data) == [
        'agents[1].model: unknown model "gpt5" (models defined: "gpt", "judge")',
        'agents[2].tools[0]: unknown tool "search" (tools defined: "add")',
        'team.members[2]: agent "x" is not in agents',
        'team.initiator: "nobody" is not a member (members: "user", "coder", "x")',
        'team.manager_model: unknown model "boss" (models defined: "gpt", "judge")',
        'team.transitions.edges.coder[0]: "ghost" is not a member',
        'team.transitions.edges.critic: "critic" is not a member',
    ]


def test_structure_and_reference_problems_are_reported_together() -> None:
    data = sample_document().model_dump(mode="json")
    data["agents"][0]["human_input_mode"] = "SOMETIMES"
    data["agents"][1]["colour"] = "blue"
    data["agents"][2]["model"] = "gpt5"
    data["team"]["max_round"] = 0
    del data["models"][0]["model"]
    problems = problems_of(data)
    assert "agents[0].human_input_mode: Input should be 'ALWAYS', 'TERMINATE' or 'NEVER'" in problems
    assert "agents[1].colour: unknown field (Roundtable documents have no such field)" in problems
    assert "models[0].model: required field is missing" in problems
    assert "team.max_round: Input should be greater than or equal to 1" in problems
    assert any(p.startswith('agents[2].model: unknown model "gpt5"') for p in problems)


def test_duplicates_and_team_shape_are_checked() -> None:
    data = sample_document().model_dump(mode="json")
    data["agents"].append(dict(data["agents"][1]))
    data["team"]["members"].append("coder")
    data["team"]["kind"] = "two_agent"
    problems = problems_of(data)
    assert 'agents[3].name: "coder" is defined twice (also agents[1])' in problems
    assert 'team.members[3]: "coder" is listed twice' in problems
    assert "team.members: a two-agent chat needs exactly 2 members, got 4" in problems
    assert "team.transitions: only group chats use speaker transitions" in problems


def test_agent_names_follow_autogen_rules() -> None:
    with pytest.raises(ValidationError, match="name"):
        AgentSpec(name="my agent")
    assert AgentSpec(name="Agent_1-b").name == "Agent_1-b"


def test_human_input_mode_defaults_to_the_kind_default() -> None:
    assert AgentSpec(name="u", kind="user_proxy").human_input_mode == "ALWAYS"
    assert AgentSpec(name="a").human_input_mode == "NEVER"
    assert AgentSpec(name="c", kind="conversable").human_input_mode == "TERMINATE"
    assert AgentSpec(name="u", kind="user_proxy", human_input_mode="NEVER").human_input_mode == "NEVER"


def test_tool_source_must_define_the_named_function() -> None:
    with pytest.raises(ValidationError, match="must define a function named add"):
        ToolSpec(name="add", source="def plus(a, b):\n    return a + b\n")
    with pytest.raises(ValidationError, match="not valid Python: Python syntax error at line 1"):
        ToolSpec(name="add", source="def add(a, b) return a + b")


def test_last_n_messages_is_auto_or_positive() -> None:
    assert CodeExecutionSpec(last_n_messages=3).last_n_messages == 3
    for bad in (0, "all"):
        with pytest.raises(ValidationError, match='must be "auto" or a whole number of at least 1'):
            CodeExecutionSpec(last_n_messages=bad)


def test_credentials_are_refused_in_model_extra() -> None:
    with pytest.raises(ValidationError, match="extra_headers.Authorization looks like a credential"):
        ModelSpec(name="m", model="openai/x", extra={"extra_headers": {"Authorization": "Bearer sk-1"}})
    with pytest.raises(ValidationError, match="api_key looks like a credential"):
        ModelSpec(name="m", model="openai/x", extra={"api_key": "sk-1"})
    assert (
        ModelSpec(name="m", model="openai/x", extra={"top_p": 0.9, "max_tokens_hint": 1}).extra["top_p"]
        == 0.9
    )


def test_model_spec_has_no_field_for_a_key() -> None:
    assert "api_key" not in ModelSpec.model_fields
    with pytest.raises(ValidationError, match="api_key"):
        ModelSpec(name="m", model="gpt-4o-mini", api_key="sk-1")


def test_corrupt_json_names_the_file_and_the_position() -> None:
    with pytest.raises(DocumentError) as caught:
        load_team_json('{"format": "roundtable.team", "team": ', "research-team.json")
    message = str(caught.value)
    assert message.startswith("research-team.json is not valid (1 problem):")
    assert "not valid JSON (Expecting value at line 1, column 39)" in message
    assert "export the team or run again" in message


def test_binary_garbage_is_reported_as_not_text() -> None:
    with pytest.raises(DocumentError, match=r"(?s)photo.png is not valid .*not UTF-8 text"):
        load_team_json(b"\x89PNG\r\n\x1a\n\xff\xfe", "photo.png")


def test_foreign_json_is_recognised_as_not_ours() -> None:
    with pytest.raises(DocumentError) as caught:
        load_team_json(json.dumps({"name": "my-package", "version": "1.0.0"}), "package.json")
    assert (
        caught.value.problems[0].message == 'not a Roundtable export (expected "format": "roundtable.team")'
    )
    assert str(caught.value).startswith("package.json is not valid")
    with pytest.raises(DocumentError, match="expected a JSON object, got list"):
        load_team_json("[1, 2]", "list.json")


def test_a_run_export_given_as_a_team_says_so() -> None:
    with pytest.raises(DocumentError, match="this is a Roundtable run export; import it as a run"):
        load_team_json(json.dumps({"format": "roundtable.run"}), "run.json")
    with pytest.raises(DocumentError, match="this is a Roundtable team export; import it as a team"):
        load_run_json(dump_document(sample_document()), "team.json")


def test_a_newer_schema_version_is_refused_with_advice() -> None:
    data = sample_document().model_dump(mode="json") | {"schema_version": 99}
    with pytest.raises(
        DocumentError, match="version 99 was written by a newer Roundtable.*upgrade Roundtable"
    ):
        load_team_json(json.dumps(data), "future.json")


def test_team_document_lookup_helpers() -> None:
    document: TeamDocument = sample_document()
    assert document.tool("add").description == "Add two numbers."
    with pytest.raises(KeyError, match='no agent named "zed"'):
        document.agent("zed")
