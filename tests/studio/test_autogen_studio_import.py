"""AutoGen Studio 0.4 team files: what maps into a Roundtable team, what is listed as not mapped, and
hostile files. The files in ``autogen_studio_files/`` are written the way AutoGen Studio writes teams
(``dump_component`` envelopes, as in its gallery), with teams of our own."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from components import EventBus, MessageSent
from components.llm.scripted import say, tool_call
from components.runtime import run_context
from storage.designs import get_model, get_team, list_tools
from storage.transfer import import_team
from storage.validation import dump_document
from studio.autogen_studio import TeamImportError, convert, is_autogen_studio
from studio.builder import build_team
from studio.tool_check import check_tool
from studio.transfer_io import parse_upload
from studio.validation import validate_document

FILES = Path(__file__).parent / "autogen_studio_files"


def ags(name: str) -> dict[str, Any]:
    return json.loads((FILES / f"{name}.json").read_text())


def not_mapped(conversion) -> str:  # type: ignore[no-untyped-def]
    return "\n".join(map(str, conversion.not_mapped))


def component(provider: str, config: dict[str, Any], kind: str = "termination") -> dict[str, Any]:
    return {"provider": provider, "component_type": kind, "version": 1, "component_version": 1, "label": "x",
            "config": config}


def test_round_robin_team_maps_agents_models_tools_and_end_rules() -> None:
    conversion = convert(ags("write_and_review"))
    document = conversion.document
    team = document.team
    assert (team.name, team.kind, team.speaker_selection, team.initiator) == ("Write and review", "group",
                                                                            "round_robin", "user")
    assert team.members == ["user", "writer", "critic"]
    # the task giver hands to the first participant; then the participants take turns as in AutoGen Studio
    assert team.transitions.edges == {"user": ["writer"], "writer": ["critic"], "critic": ["writer"]}
    assert (team.termination.text_mention, team.termination.max_messages, team.max_round) == ("APPROVE", 8, 8)
    writer, critic = document.agent("writer"), document.agent("critic")
    assert writer.system_message.startswith("You write short") and writer.description == "Writes the first draft."
    assert writer.tools == ["circle_area"] and critic.context.max_messages == 6
    assert writer.model == critic.model == "scripted-writer"  # one client config, one model
    model = document.model("scripted-writer")
    assert (model.model, model.api_base, model.temperature) == ("openai/scripted-writer", "http://127.0.0.1:9/v1", 0.2)
    tool = document.tool("circle_area")
    assert tool.source.startswith("import math\nfrom typing import Annotated\n\n\ndef circle_area(")
    assert check_tool(tool.source, tool.name, tool.description).ok
    assert "sk-ags-file-key" not in dump_document(document)
    assert 'agent "writer": model_client: api_key: keys are never imported from a file' in not_mapped(conversion)
    assert any('Model "scripted-writer" needs its API key' in note for note in conversion.notes)
    assert not [i for i in validate_document(document) if i.severity == "error"]


def test_selector_team_maps_the_manager_model_and_lists_what_it_cannot() -> None:
    conversion = convert(ags("trip_planners"))
    document, left_out = conversion.document, not_mapped(conversion)
    team = document.team
    assert team.speaker_selection == "auto" and team.manager_model == "gpt-4o-mini"
    assert team.members == ["user", "planner", "local_guide", "traveller"]
    # allow_repeated_speaker=false: nobody may follow themselves; the task giver is never chosen again
    assert team.transitions.edges["planner"] == ["local_guide", "traveller"]
    assert all("user" not in after for name, after in team.transitions.edges.items() if name != "user")
    assert (team.termination.text_mention, team.termination.max_messages) == ("TERMINATE", 12)
    azure = document.model(document.agent("local_guide").model)
    assert (azure.model, azure.api_base, azure.extra) == (
        "azure/travel-gpt4o", "https://example-resource.openai.azure.com/", {"api_version": "2024-06-01"})
    traveller = document.agent("traveller")
    assert (traveller.kind, traveller.human_input_mode) == ("user_proxy", "ALWAYS")
    assert "azure-key-in-file" not in dump_document(document)
    for expected in ('agent "websurfer_agent" (autogen_ext.agents.web_surfer.MultimodalWebSurfer): only assistant',
                     'agent "planner": handoffs: Roundtable\'s group chats have no handoffs',
                     'agent "traveller": input function', "team: selector_prompt:"):
        assert expected in left_out, left_out
    assert "websurfer_agent" not in [a.name for a in document.agents]


def test_stored_team_record_with_counts_an_unchecked_tool_and_a_tool_server() -> None:
    data = ags("solo_helper_record")
    assert is_autogen_studio(data)
    conversion = convert(data)
    document, left_out = conversion.document, not_mapped(conversion)
    team = document.team
    assert team.members == ["user", "solo_helper"] and team.transitions.edges["solo_helper"] == ["solo_helper"]
    assert team.max_round == 4  # max_turns 3, plus the task
    assert team.termination.max_messages == 9 and team.termination.text_mention is None  # 5 AND 9: both at 9
    assert document.agent("solo_helper").context.max_tokens == 2000
    assert document.tools == [] and document.agent("solo_helper").tools == []
    assert "tool \"shout\": the code does not pass the Tools page's checks: parameter 'text'" in left_out
    assert "workbench (autogen_ext.tools.mcp.McpWorkbench)" in left_out


def _rules(condition: dict[str, Any]):  # type: ignore[no-untyped-def]
    data = ags("write_and_review")
    data["config"]["termination_condition"] = condition
    conversion = convert(data)
    rules = conversion.document.team.termination
    return (rules.text_mention, rules.max_messages) if rules else None, not_mapped(conversion)


TEXT = "autogen_agentchat.conditions.TextMentionTermination"
MAX = "autogen_agentchat.conditions.MaxMessageTermination"
OR, AND = "autogen_agentchat.base.OrTerminationCondition", "autogen_agentchat.base.AndTerminationCondition"


def text(value: str) -> dict[str, Any]:
    return component(TEXT, {"text": value})


def most(count: int) -> dict[str, Any]:
    return component(MAX, {"max_messages": count})


def group(kind: str, *parts: dict[str, Any]) -> dict[str, Any]:
    return component(kind, {"conditions": list(parts)})


@pytest.mark.parametrize(("condition", "rules", "left_out"), [
    (text("DONE"), ("DONE", None), ""),
    (most(4), (None, 4), ""),
    (group(OR, most(9), most(4), text("DONE")), ("DONE", 4), ""),  # either count: the smaller ends first
    (group(AND, most(9), most(4)), (None, 9), ""),  # both counts: the larger
    (group(OR, text("DONE"), group(AND, most(3), most(6))), ("DONE", 6), ""),
    (group(OR, text("A"), text("B")), ("A", None), 'end phrase "B"'),
    (group(AND, text("DONE"), most(5)), None, "AndTerminationCondition"),
    (group(OR, most(5), group(AND, text("DONE"), most(2))), (None, 5), "cannot express"),
    (group(OR, text("DONE"), component("autogen_agentchat.conditions.TimeoutTermination", {"timeout_seconds": 5})),
     ("DONE", None), "TimeoutTermination"),
])
def test_termination_conditions_map_where_end_rules_can_express_them(condition, rules, left_out) -> None:  # type: ignore[no-untyped-def]
    found, reasons = _rules(condition)
    assert found == rules
    assert left_out in reasons if left_out else "termination" not in reasons


def test_deeply_nested_conditions_are_refused_not_followed() -> None:
    condition = most(3)
    for _ in range(30):
        condition = group(OR, condition)
    found, reasons = _rules(condition)
    assert found is None and "nested more than 8 levels deep" in reasons


@pytest.mark.parametrize(("provider", "reason"), [
    ("autogen_agentchat.teams.Swarm", "a Swarm team cannot be imported: a Swarm passes the turn by handoff"),
    ("autogen_agentchat.teams.MagenticOneGroupChat", "Magentic-One's orchestrator"),
    ("my_company.teams.SecretTeam", "Roundtable imports round-robin and selector group chats only"),
])
def test_other_team_kinds_are_refused_with_the_reason(provider: str, reason: str) -> None:
    data = ags("write_and_review") | {"provider": provider}
    with pytest.raises(TeamImportError, match=reason):
        convert(data)


def test_a_component_that_is_not_a_team_says_so() -> None:
    model = ags("write_and_review")["config"]["participants"][0]["config"]["model_client"]
    with pytest.raises(TeamImportError, match="this is an AutoGen Studio model component, not a team"):
        convert(model)


def test_hostile_names_prompts_and_code_are_kept_as_text_or_left_out(tmp_path: Path) -> None:
    data = ags("write_and_review")
    writer, critic = data["config"]["participants"]
    writer["config"]["name"] = "<script>alert(1)</script>"
    critic["config"]["name"] = 12
    critic["config"]["system_message"] = "x" * 200_001
    marker = tmp_path / "owned"
    tool = writer["config"]["tools"][0]["config"]
    tool["source_code"] = f"open({str(marker)!r}, 'w').write('ran')\n" + tool["source_code"]
    tool["global_imports"].append("os; import subprocess")
    conversion = convert(data)
    names = [a.name for a in conversion.document.agents]
    assert names == ["user", "script_alert_1_script", "agent_2"]
    left_out = not_mapped(conversion)
    assert "system_message: is 200,001 characters long; the import takes at most 100,000" in left_out
    assert 'its global import "os; import subprocess" is not a module or name' in left_out
    assert conversion.document.tools == [] and not marker.exists()  # never run
    tool["global_imports"].pop()
    kept = convert(data).document.tool("circle_area")
    assert str(marker) in kept.source and not marker.exists()  # stored as text, still not run


def test_unknown_providers_and_model_clients_are_listed() -> None:
    data = ags("write_and_review")
    writer = data["config"]["participants"][0]["config"]
    writer["model_client"] = component("autogen_ext.models.anthropic.AnthropicChatCompletionClient",
                                       {"model": "claude-3-haiku"}, "model")
    data["config"]["participants"].append(component("evil.Agent", {"name": "x"}, "agent"))
    conversion = convert(data)
    left_out = not_mapped(conversion)
    assert "AnthropicChatCompletionClient): only OpenAI and Azure OpenAI model clients are imported" in left_out
    assert 'agent "x" (evil.Agent): only assistant agents and user proxies are imported' in left_out
    assert conversion.document.agent("writer").model is None


WRONG = [None, 7, -1, "text", [], {}, [[{}]], True, {"provider": 5}, "x" * 300]


def _paths(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [path] if path else []
    if isinstance(value, dict):
        for key, item in value.items():
            found += _paths(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += _paths(item, (*path, index))
    return found


@pytest.mark.parametrize("name", ["write_and_review", "trip_planners", "solo_helper_record"])
def test_any_value_of_the_wrong_type_gives_sentences_never_a_crash(name: str) -> None:
    """Every value in the file, replaced by each wrong value in turn: a team with reasons, or a refusal."""
    original = ags(name)
    for path in _paths(original):
        for wrong in WRONG:
            data = copy.deepcopy(original)
            holder = data
            for part in path[:-1]:
                holder = holder[part]
            holder[path[-1]] = wrong
            try:
                conversion = convert(data)
            except TeamImportError as error:
                assert str(error), path
                continue
            assert conversion.document.team.members[0] == "user", path


def test_an_imported_team_goes_through_the_usual_import(studio_db) -> None:  # type: ignore[no-untyped-def]
    parsed = parse_upload(studio_db, (FILES / "write_and_review.json").read_bytes(), "write_and_review.json")
    assert parsed.origin == "AutoGen Studio" and parsed.document is not None and not parsed.problems
    report = import_team(studio_db, parsed.document, source=parsed.source)
    assert report.team == "Write and review"
    assert get_team(studio_db, "Write and review").members == ["user", "writer", "critic"]
    assert [t.name for t in list_tools(studio_db)] == ["circle_area"]
    from storage.secrets import key_source

    assert key_source(studio_db, get_model(studio_db, "scripted-writer")) != "stored"  # no key came with it
    again = parse_upload(studio_db, (FILES / "write_and_review.json").read_bytes(), "write_and_review.json")
    assert again.conflicts == []  # the same file again: everything is reused


def test_a_deeply_nested_file_is_refused_before_it_is_read(studio_db) -> None:  # type: ignore[no-untyped-def]
    text = '{"provider": "autogen_agentchat.teams.RoundRobinGroupChat", "config": ' + "[" * 5000 + "]" * 5000 + "}"
    parsed = parse_upload(studio_db, text, "deep.json")
    assert parsed.document is None and "nested too deeply" in parsed.problems[0]


def test_the_imported_team_runs_in_autogen_studio_order(llm, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """The engine, with the scripted model: the writer's tool call is run by "user", then the turns go on
    writer, critic; the critic's APPROVE ends the chat (the team's phrase)."""
    data = json.loads((FILES / "write_and_review.json").read_text().replace("http://127.0.0.1:9/v1", llm.url))
    document = convert(data).document
    llm.script("scripted-writer", [tool_call("circle_area", {"radius": 2}), say("Draft: a circle of radius 2 has "
               "area 12.57."), say("Clear and correct. APPROVE"), say("never sent")])
    built = build_team(document, tmp_path)
    events: list[Any] = []
    bus = EventBus()
    bus.subscribe(events.append)
    try:
        with run_context(bus=bus):
            built.initiator.initiate_chat(built.recipient, message="Describe a circle of radius 2.",
                                          **built.chat_kwargs)
    finally:
        built.close()
    sent = [e for e in events if isinstance(e, MessageSent)]
    assert [e.sender for e in sent] == ["user", "writer", "user", "writer", "critic"]
    assert "12.57" in str(sent[2].content) and "APPROVE" in str(sent[-1].content)
    assert llm.remaining("scripted-writer") == 1
    assert llm.requests_for("scripted-writer")[0]["messages"][0]["content"].startswith("You write short")


def test_a_gallery_file_imports_its_first_team_and_says_so() -> None:
    teams = [ags("write_and_review"), ags("trip_planners")]
    gallery = {"id": "my_gallery", "name": "My gallery", "metadata": {"version": "1.0.0"},
               "items": {"teams": teams, "components": {"agents": [], "models": [], "tools": [], "terminations": []}}}
    assert is_autogen_studio(gallery)
    conversion = convert(gallery)
    assert conversion.document.team.name == "Write and review"
    assert any('gallery of 2 teams: the first, "Write and review", is imported' in n for n in conversion.notes)


@pytest.mark.parametrize("body", ["-" * 150_000 + "1", "not " * 40_000 + "x", "a." * 90_000 + "b", "(" * 5000 + ")" * 5000])
def test_tool_code_nested_past_the_parsers_limits_is_left_out(body: str) -> None:
    """Such code makes ast.parse run out of memory or recursion instead of raising SyntaxError."""
    data = ags("write_and_review")
    tool = data["config"]["participants"][0]["config"]["tools"][0]["config"]
    tool["source_code"] = f'def circle_area(radius: float) -> str:\n    """Area."""\n    return {body}\n'
    conversion = convert(data)
    assert conversion.document.tools == [] and conversion.document.agent("writer").tools == []
    assert 'tool "circle_area": the code does not pass the Tools page\'s checks' in not_mapped(conversion)
    assert "source_code" not in not_mapped(conversion)
