"""The team's Python export for AG2: the script runs on real AG2 (its own virtualenv, ``ROUNDTABLE_AG2_PYTHON``)
against the scripted model server on loopback, reached as an OpenAI-compatible endpoint (``base_url``)."""

from __future__ import annotations

import ast
import os
import re
import subprocess
from pathlib import Path

from components.llm.scripted import say, tool_call
from storage.documents import (
    AgentSpec,
    ContextSpec,
    ModelSpec,
    TeamDocument,
    TeamSpec,
    TeamTerminationSpec,
    TerminationSpec,
    ToolSpec,
)
from studio.codegen_ag2 import ag2_file_name, ag2_script
from studio.gallery import gallery_teams
from tests.support.services import missing_service


def ag2_python() -> str:
    """A Python with ag2 installed (AG2 pins an older openai than litellm needs, so it lives apart)."""
    python = os.environ.get("ROUNDTABLE_AG2_PYTHON", "")
    if not python or not Path(python).exists():
        missing_service("AG2 (ROUNDTABLE_AG2_PYTHON: a Python with ag2 installed; .ci/run makes one)")
    found = subprocess.run([python, "-c", "import autogen; print(autogen.__version__)"], capture_output=True,
                           text=True, timeout=120, check=False)
    if found.returncode != 0:
        missing_service(f"AG2 in {python} ({found.stderr.strip()[-200:]})")
    return python


def run_ag2(document: TeamDocument, task: str, tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    python = ag2_python()
    path = tmp_path / ag2_file_name(document)
    path.write_text(ag2_script(document))
    clean = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "OPENAI_API_KEY")}
    return subprocess.run([python, str(path), task], cwd=tmp_path, env={**clean, **env}, capture_output=True,
                          text=True, timeout=240, stdin=subprocess.DEVNULL, check=False)


def model(url: str) -> ModelSpec:
    return ModelSpec(name="Scripted", model="openai/ag2", api_base=url, api_key_env="SCRIPTED_KEY", temperature=0.0)


def speakers(stdout: str, recipient: str) -> list[str]:
    """Who sent each message, from AG2's own console lines ("writer (to chat_manager):")."""
    return re.findall(rf"^(\S+) \(to {re.escape(recipient)}\):$", stdout, flags=re.MULTILINE)


def test_group_chat_runs_on_ag2_in_turn_order_until_the_team_phrase(llm, tmp_path) -> None:  # type: ignore[no-untyped-def]
    llm.script("ag2", [say("Draft one."), say("Not yet: add a title."), say("Draft two, with a title."),
                       say("Good now. APPROVED"), say("never sent")])
    agents = [AgentSpec(name="host", kind="user_proxy", human_input_mode="NEVER", default_auto_reply="Go on."),
              AgentSpec(name="writer", model="Scripted", system_message="You write drafts."),
              AgentSpec(name="critic", model="Scripted", description="Reviews.")]
    team = TeamSpec(name="Draft and review", members=["host", "writer", "critic"], initiator="host",
                    speaker_selection="round_robin", max_round=10, termination=TeamTerminationSpec(text_mention="APPROVED"))
    document = TeamDocument(team=team, agents=agents, models=[model(llm.url)])
    result = run_ag2(document, "Write a short note; say APPROVED when it is good.", tmp_path, SCRIPTED_KEY="sk-env")
    assert result.returncode == 0, result.stderr[-3000:]
    assert speakers(result.stdout, "chat_manager") == ["host", "writer", "critic", "host", "writer", "critic"], \
        result.stdout[-3000:]
    assert "Go on." in result.stdout and "Good now. APPROVED" in result.stdout and "never sent" not in result.stdout
    assert "Termination message condition on the GroupChatManager 'chat_manager' met" in result.stdout
    assert llm.remaining("ag2") == 1  # the phrase ended the chat before another turn
    first = llm.requests_for("ag2")[0]
    assert first["messages"][0] == {"role": "system", "content": "You write drafts."}
    assert first["temperature"] == 0.0


def test_an_ag2_group_chat_goes_on_after_a_bare_terminate_when_the_team_says_so(llm, tmp_path) -> None:  # type: ignore[no-untyped-def]
    llm.script("ag2", [say("TERMINATE"), say("Second thought: a title."), say("never sent")])
    never = TerminationSpec(mode="never")
    agents = [AgentSpec(name="host", kind="user_proxy", human_input_mode="NEVER", default_auto_reply="Go on.",
                        termination=never),
              AgentSpec(name="writer", model="Scripted", termination=never),
              AgentSpec(name="critic", model="Scripted", termination=never)]
    team = TeamSpec(name="Draft and review", members=["host", "writer", "critic"], initiator="host",
                    speaker_selection="round_robin", max_round=4, termination=TeamTerminationSpec(bare_terminate=False))
    document = TeamDocument(team=team, agents=agents, models=[model(llm.url)])
    result = run_ag2(document, "Write a short note.", tmp_path, SCRIPTED_KEY="sk-env")
    assert result.returncode == 0, result.stderr[-3000:]
    assert speakers(result.stdout, "chat_manager") == ["host", "writer", "critic", "host"], result.stdout[-3000:]
    assert "Second thought: a title." in result.stdout and "never sent" not in result.stdout


def test_two_agent_chat_calls_a_tool_on_ag2_and_ends_on_the_keyword(llm, tmp_path) -> None:  # type: ignore[no-untyped-def]
    llm.script("ag2", [tool_call("add", {"a": 2, "b": 3}), say("The sum is 5. TERMINATE"), say("never sent")])
    add = ToolSpec(name="add", source="def add(a: int, b: int) -> int:\n    '''Add two numbers.'''\n    return a + b\n")
    agents = [AgentSpec(name="runner", kind="user_proxy", human_input_mode="NEVER", max_consecutive_auto_reply=3,
                        termination={"mode": "contains", "keyword": "TERMINATE"}),
              AgentSpec(name="adder", model="Scripted", tools=["add"], context=ContextSpec(max_messages=4))]
    team = TeamSpec(name="Adder", kind="two_agent", members=["runner", "adder"], initiator="runner")
    document = TeamDocument(team=team, agents=agents, models=[model(llm.url)], tools=[add])
    result = run_ag2(document, "What is 2 + 3?", tmp_path, SCRIPTED_KEY="sk-env")
    assert result.returncode == 0, result.stderr[-3000:]
    assert speakers(result.stdout, "adder") == ["runner", "runner"] and speakers(result.stdout, "runner") == ["adder"] * 2
    assert "Response from calling tool" in result.stdout and "The sum is 5. TERMINATE" in result.stdout
    assert "Termination message condition on agent 'runner' met" in result.stdout
    assert llm.remaining("ag2") == 1
    requests = llm.requests_for("ag2")
    assert [t["function"]["name"] for t in requests[0]["tools"]] == ["add"]
    assert requests[0]["tools"][0]["function"]["description"] == "Add two numbers."
    assert any(m.get("role") == "tool" and m.get("content") == "5" for m in requests[1]["messages"])


def test_a_missing_key_variable_stops_the_ag2_script_with_a_sentence(llm, tmp_path) -> None:  # type: ignore[no-untyped-def]
    agents = [AgentSpec(name="me", kind="user_proxy", human_input_mode="NEVER"), AgentSpec(name="bot", model="Scripted")]
    team = TeamSpec(name="Pair", kind="two_agent", members=["me", "bot"], initiator="me", max_turns=1)
    result = run_ag2(TeamDocument(team=team, agents=agents, models=[model(llm.url)]), "Hi", tmp_path)
    assert result.returncode != 0 and llm.requests_for("ag2") == []
    assert "Set the environment variable SCRIPTED_KEY to the model's API key" in result.stderr
    assert "Traceback" not in result.stderr


def test_every_gallery_team_exports_to_valid_ag2_python_without_keys() -> None:
    for team in gallery_teams():
        source = ag2_script(team.document, stored_keys=[m.name for m in team.document.models], task=team.example_task)
        tree = ast.parse(source)
        modules = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
        assert "autogen" in modules and "components" not in modules
        assert "Roundtable's built-in model does not exist in AG2" in source


def test_a_hostile_end_phrase_and_names_stay_strings_in_the_ag2_script() -> None:
    phrase = "x')\nimport os; os.system('echo owned') #\"\"\""
    agents = [AgentSpec(name="class", kind="user_proxy"), AgentSpec(name="os", model="Scripted",
              system_message='"""\nimport shutil\n"""')]
    team = TeamSpec(name="Odd", members=["class", "os"], initiator="class", speaker_selection="round_robin",
                    termination=TeamTerminationSpec(text_mention=phrase))
    source = ag2_script(TeamDocument(team=team, agents=agents, models=[model("http://127.0.0.1:9/v1")]))
    tree = ast.parse(source)
    strings = [n.value for n in ast.walk(tree) if isinstance(n, ast.Constant)]
    assert phrase in strings and '"""\nimport shutil\n"""' in strings
    imported = {alias.name for n in ast.walk(tree) if isinstance(n, ast.Import) for alias in n.names}
    assert imported == {"os", "sys"}  # the script's own imports only
    assert "class_ = UserProxyAgent(" in source or "class_2 = UserProxyAgent(" in source


def test_an_imported_autogen_studio_team_runs_on_ag2_with_its_tool(llm, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """The import's transitions lead from the task giver to the participants only, and the task giver runs
    the tools: the script hands each tool call to it (AG2 alone would end the chat there)."""
    import json

    from studio.autogen_studio import convert

    path = Path(__file__).parent / "autogen_studio_files" / "write_and_review.json"
    document = convert(json.loads(path.read_text().replace("http://127.0.0.1:9/v1", llm.url))).document
    llm.script("scripted-writer", [tool_call("circle_area", {"radius": 2}), say("Draft: area 12.57."),
                                   say("Not bad. APPROVE"), say("never sent")])
    result = run_ag2(document, "Describe a circle of radius 2.", tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    assert speakers(result.stdout, "chat_manager") == ["user", "writer", "user", "writer", "critic"], \
        result.stdout[-3000:]
    assert "12.57" in result.stdout and "never sent" not in result.stdout
    assert llm.remaining("scripted-writer") == 1


def test_a_renamed_copy_speaks_under_its_display_name_in_the_ag2_script() -> None:
    agents = [AgentSpec(name="me", kind="user_proxy"), AgentSpec(name="planner_2", display_name="planner", model="Scripted")]
    team = TeamSpec(name="Pair", kind="two_agent", members=["me", "planner_2"], initiator="me", max_turns=1)
    source = ag2_script(TeamDocument(team=team, agents=agents, models=[model("http://127.0.0.1:9/v1")]))
    assert "planner_2 = AssistantAgent(\n    name='planner'," in source


def test_an_ag2_script_says_it_leaves_out_the_mcp_servers_and_keeps_the_python_tools() -> None:
    add = ToolSpec(name="add", source="def add(a: int, b: int) -> int:\n    '''Add two numbers.'''\n    return a + b\n")
    time = ToolSpec(name="time", kind="mcp", server={"command": "mcp-server-time", "args": ["--local-timezone", "UTC"]})
    agents = [AgentSpec(name="runner", kind="user_proxy", human_input_mode="NEVER"),
              AgentSpec(name="clock", model="Scripted", tools=["add", "time"])]
    team = TeamSpec(name="Clock", kind="two_agent", members=["runner", "clock"], initiator="runner")
    source = ag2_script(TeamDocument(team=team, agents=agents, models=[model("http://127.0.0.1:9/v1")],
                                     tools=[add, time]))
    tree = ast.parse(source)
    assert "leaves out the team's MCP servers and their tools" in source
    assert "#   'time': 'mcp-server-time --local-timezone UTC', used by clock" in source
    calls = [ast.unparse(n) for n in ast.walk(tree) if isinstance(n, ast.Call) and getattr(n.func, "id", "") == "register_function"]
    assert len(calls) == 1 and calls[0].startswith("register_function(add, caller=clock")
