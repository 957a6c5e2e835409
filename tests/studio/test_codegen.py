"""Exported Python scripts: they compile, carry no keys, and run against a real (scripted) model server."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest

from components.llm.scripted import say, tool_call
from storage.documents import (
    AgentSpec,
    CodeExecutionSpec,
    ContextSpec,
    ModelSpec,
    TeamDocument,
    TeamSpec,
    TeamTerminationSpec,
    TerminationSpec,
    ToolSpec,
    TransitionsSpec,
)
from studio.codegen import script_file_name, team_script
from studio.gallery import gallery_teams

ROOT = Path(__file__).resolve().parents[2]


def scripted_team(url: str, kind: str = "two_agent") -> TeamDocument:
    model = ModelSpec(name="Scripted model", model="openai/scripted", api_base=url, api_key_env="SCRIPTED_KEY",
                      temperature=0.0, stream=False)
    proxy = AgentSpec(name="user-proxy", kind="user_proxy", human_input_mode="NEVER", max_consecutive_auto_reply=2,
                      termination=TerminationSpec(mode="contains", keyword="TERMINATE"),
                      code_execution=CodeExecutionSpec(mode="local", timeout=30))
    coder = AgentSpec(name="coder", system_message="Write code.\nUse python.", model=model.name,
                      context=ContextSpec(max_messages=6))
    members = ["user-proxy", "coder"]
    team = TeamSpec(name="Scripted pair", kind="two_agent", members=members, initiator="user-proxy", max_turns=2)
    if kind == "group":
        team = TeamSpec(name="Scripted group", kind="group", members=members, initiator="user-proxy",
                        speaker_selection="round_robin", max_round=4,
                        transitions=TransitionsSpec(type="allowed", edges={"user-proxy": ["coder"], "coder": ["user-proxy"]}))
    return TeamDocument(team=team, agents=[proxy, coder], models=[model])


def run_script(path: Path, task: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "SCRIPTED_KEY": "sk-from-env", "LITELLM_LOCAL_MODEL_COST_MAP": "True"}
    return subprocess.run([sys.executable, str(path), task], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=240, stdin=subprocess.DEVNULL, check=False)


@pytest.mark.parametrize("kind", ["two_agent", "group"])
def test_exported_script_runs_against_the_scripted_server(llm, tmp_path, kind):  # type: ignore[no-untyped-def]
    llm.script("scripted", [say("```python\nprint(6 * 7)\n```"), say("The answer is 42. TERMINATE")])
    document = scripted_team(llm.url, kind)
    path = tmp_path / script_file_name(document)
    path.write_text(team_script(document))
    result = run_script(path, "What is 6 times 7?", tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "--- user-proxy -> " in result.stdout and "What is 6 times 7?" in result.stdout
    assert "exitcode: 0" in result.stdout and "42" in result.stdout
    assert "=== Result" in result.stdout
    first = llm.requests[0]
    assert first["messages"][0] == {"role": "system", "content": "Write code.\nUse python."}
    assert first["temperature"] == 0.0
    assert (tmp_path / "coding").is_dir()  # code ran in the script's own work dir


def _with_rules(document: TeamDocument, rules: TeamTerminationSpec) -> TeamDocument:
    return document.model_copy(update={"team": document.team.model_copy(update={"termination": rules})})


def test_exported_group_chat_ends_on_the_team_phrase(llm, tmp_path):  # type: ignore[no-untyped-def]
    llm.script("scripted", [say("Looks fine. APPROVED"), say("never sent")])
    document = scripted_team(llm.url, "group").model_copy()
    document = _with_rules(document.model_copy(update={"team": document.team.model_copy(update={"max_round": 10})}),
                           TeamTerminationSpec(text_mention="APPROVED"))
    path = tmp_path / script_file_name(document)
    path.write_text(team_script(document))
    result = run_script(path, "Review this; say APPROVED when it is fine.", tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Looks fine. APPROVED" in result.stdout and "never sent" not in result.stdout
    assert llm.remaining("scripted") == 1


def test_exported_group_chat_goes_on_after_a_bare_terminate_when_the_team_says_so(llm, tmp_path):  # type: ignore[no-untyped-def]
    llm.script("scripted", [say("TERMINATE"), say("Second thought: 42.")])
    document = scripted_team(llm.url, "group")
    never = TerminationSpec(mode="never")
    document = _with_rules(document.model_copy(update={"agents": [a.model_copy(update={"termination": never})
                                                                  for a in document.agents]}),
                           TeamTerminationSpec(bare_terminate=False))
    path = tmp_path / script_file_name(document)
    path.write_text(team_script(document))
    result = run_script(path, "What is 6 times 7?", tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Second thought: 42." in result.stdout, result.stdout[-3000:]
    assert llm.remaining("scripted") == 0


def test_exported_two_agent_chat_ends_at_the_team_message_limit(llm, tmp_path):  # type: ignore[no-untyped-def]
    llm.script("scripted", [say("first"), say("second"), say("third")])
    document = scripted_team(llm.url)
    document = _with_rules(document.model_copy(update={"team": document.team.model_copy(update={"max_turns": None})}),
                           TeamTerminationSpec(max_messages=3))
    path = tmp_path / script_file_name(document)
    path.write_text(team_script(document))
    result = run_script(path, "Count.", tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    # task, "first", the proxy's (empty) auto-reply: 3 messages, so the coder stops before "second"
    assert "first" in result.stdout and "second" not in result.stdout, (result.stdout, result.stderr[-2000:])
    assert llm.remaining("scripted") == 2, (result.stdout, result.stderr[-2000:])


def test_a_hostile_end_phrase_stays_a_string_in_the_script() -> None:
    phrase = "x')\nimport os; os.system('echo owned') #\"\"\""
    document = _with_rules(scripted_team("http://127.0.0.1:9", "group"), TeamTerminationSpec(text_mention=phrase))
    tree = ast.parse(team_script(document))
    assert phrase in [node.value for node in ast.walk(tree) if isinstance(node, ast.Constant)]
    assert not any(isinstance(node, ast.Import) and node.names[0].name == "os" for node in ast.walk(tree))


def test_script_never_contains_a_key_and_names_its_variables_safely(tmp_path):  # type: ignore[no-untyped-def]
    document = scripted_team("http://127.0.0.1:9/v1")
    source = team_script(document, stored_keys=["Scripted model"])
    compile(source, "team.py", "exec")
    assert "sk-" not in source and "SCRIPTED_KEY" in source
    assert "user_proxy = UserProxyAgent(" in source and "SCRIPTED_MODEL = {" in source
    assert "limit_context(coder, max_messages=6, max_tokens=None)" in source


def test_tools_and_docker_settings_are_exported(tmp_path):  # type: ignore[no-untyped-def]
    document = scripted_team("http://127.0.0.1:9/v1")
    tool = ToolSpec(name="add", description="Add two numbers.",
                    source="def add(a: int, b: int) -> int:\n    '''Add.'''\n    return a + b\n")
    document.tools.append(tool)
    document.agents[1].tools.append("add")
    document.agents[0].code_execution = CodeExecutionSpec(mode="docker", image="python:3-slim", memory_mb=256)
    source = team_script(document)
    compile(source, "team.py", "exec")
    assert "def add(a: int, b: int) -> int:" in source
    assert "register_function(add, caller=coder, executor=user_proxy, name='add', description='Add two numbers.')" in source
    assert "use_docker=True, image='python:3-slim', docker={'network': False, 'memory_mb': 256}" in source


def test_every_gallery_team_exports_to_valid_python():  # type: ignore[no-untyped-def]
    for team in gallery_teams():
        source = team_script(team.document, task=team.example_task)
        compile(source, script_file_name(team.document), "exec")
        assert "'model': 'local/qwen2.5-coder-0.5b'" in source


def test_auto_selection_without_a_manager_model_exports_what_the_builder_does() -> None:
    """The engine refuses "auto" without a model (as AutoGen): the script asks the first member's model,
    as the studio's builder does, and takes turns in order when no member has one."""
    document = scripted_team("http://127.0.0.1:9/v1", "group")
    auto = document.team.model_copy(update={"speaker_selection": "auto", "transitions": None})
    source = team_script(document.model_copy(update={"team": auto}))
    assert "speaker_selection_method='auto'" in source
    assert "GroupChatManager(groupchat=groupchat, llm_config=dict(SCRIPTED_MODEL))" in source
    modelless = document.model_copy(update={
        "team": auto, "agents": [a.model_copy(update={"model": None}) for a in document.agents], "models": []
    })
    source = team_script(modelless)
    assert "speaker_selection_method='round_robin'" in source and "llm_config=False)" in source


def _with_mcp(document: TeamDocument, server: dict, chosen: list[str] | None = None) -> TeamDocument:  # type: ignore[type-arg]
    coder = document.agent("coder").model_copy(update={"tools": ["helper"], "mcp_tools": {"helper": chosen} if chosen else {}})
    return document.model_copy(update={
        "agents": [coder if a.name == "coder" else a for a in document.agents],
        "tools": [ToolSpec(name="helper", kind="mcp", server=server)],
    })


def test_exported_script_starts_the_mcp_server_and_calls_the_chosen_tool(llm, tmp_path):  # type: ignore[no-untyped-def]
    from tests.support.mcp_helpers import TEST_SERVER

    llm.script("scripted", [tool_call("shout", {"text": "from the script"}), say("Done. TERMINATE")])
    document = _with_mcp(scripted_team(llm.url), {"command": sys.executable, "args": [str(TEST_SERVER)]}, ["shout"])
    path = tmp_path / script_file_name(document)
    path.write_text(team_script(document))
    result = run_script(path, "Shout it", tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "FROM THE SCRIPT" in result.stdout
    assert [t["function"]["name"] for t in llm.requests[0]["tools"]] == ["shout"]


def test_an_exported_script_whose_server_cannot_start_says_so(llm, tmp_path):  # type: ignore[no-untyped-def]
    document = _with_mcp(scripted_team(llm.url), {"command": "roundtable-no-such-command"})
    path = tmp_path / script_file_name(document)
    path.write_text(team_script(document))
    result = run_script(path, "go", tmp_path)
    assert result.returncode == 1
    assert result.stderr.strip() == (
        'The team cannot start its tools: MCP server "helper" could not start: the command '
        '"roundtable-no-such-command" was not found (is it installed, and on the PATH of the process that runs the team?)'
    )


def test_a_hostile_server_definition_stays_string_literals() -> None:
    hostile = "x'); import os; os.system('touch /tmp/pwned'); ('"
    document = _with_mcp(scripted_team("http://127.0.0.1:9/v1"),
                         {"command": hostile, "args": ['"""\nimport os\n', hostile], "env": ["TOKEN"]})
    tree = ast.parse(team_script(document))
    calls = [n for n in ast.walk(tree) if isinstance(n, ast.Call) and getattr(n.func, "id", "") == "McpStdioServer"]
    assert len(calls) == 1
    keywords = {k.arg: ast.literal_eval(k.value) for k in calls[0].keywords}
    assert keywords["command"] == hostile and keywords["args"] == ('"""\nimport os\n', hostile)
    assert keywords["env"] == ("TOKEN",)
    assert not any(isinstance(n, ast.Import) and any(a.name == "os" for a in n.names) for n in ast.walk(tree))
