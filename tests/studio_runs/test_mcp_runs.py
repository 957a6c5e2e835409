"""Stored teams whose agents use MCP servers, run by the run engine: the server starts with the run, its
tool calls are stored like any tool call, and it is gone when the run ends, is stopped, or cannot start."""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from components.llm.scripted import say, tool_call
from storage.documents import AgentSpec, CodeExecutionSpec, TeamDocument, ToolSpec
from storage.eventlog import events_after
from storage.runs import get_run
from tests.studio_runs.conftest import coder_team
from tests.studio_runs.processes import wait_status
from tests.support.mcp_helpers import TEST_SERVER, processes_in

KEYS = {"Scripted": "sk-test"}


def _team(api_base: str, server: dict, chosen: list[str] | None = None) -> TeamDocument:  # type: ignore[type-arg]
    document = coder_team(api_base)
    coder = AgentSpec(name="coder", kind="assistant", model="Scripted", tools=["helper"],
                      mcp_tools={"helper": chosen} if chosen else {})
    executor = document.agent("executor").model_copy(update={"code_execution": CodeExecutionSpec(mode="none")})
    return document.model_copy(update={
        "agents": [coder, executor],
        "tools": [ToolSpec(name="helper", kind="mcp", server=server)],
    })


TEST_SERVER_DESIGN = {"command": sys.executable, "args": [str(TEST_SERVER)], "timeout": 60}


def _server_dirs_alive() -> list[int]:
    """Living processes of any MCP test server (their working dirs are roundtable-mcp-helper-* folders)."""
    return [pid for folder in Path(tempfile.gettempdir()).glob("roundtable-mcp-helper-*") for pid in processes_in(folder)]


def test_a_run_calls_the_chosen_tools_and_stops_the_server(db, engine, llm) -> None:
    llm.script("writer", [tool_call("add", {"a": 2, "b": 3}), say("It is 5."), say("TERMINATE")])
    run_id = engine.start(_team(llm.url, TEST_SERVER_DESIGN, chosen=["add"]), "2 + 3?", api_keys=KEYS)
    assert engine.wait(run_id, 60)

    assert get_run(db, run_id).status == "completed"
    events = [e.event for e in events_after(db, run_id, 0)]
    notice = next(e for e in events if e.kind == "notice")
    assert notice.message == 'MCP server "helper" started; it offers the tools: add, shout, fail, sleep, crash, environment.'
    call = next(e for e in events if e.kind == "tool_call")
    result = next(e for e in events if e.kind == "tool_result")
    assert (call.name, call.arguments, result.ok, result.content) == ("add", '{"a": 2, "b": 3}', True, "5")
    assert [t["function"]["name"] for t in llm.requests_for("writer")[0]["tools"]] == ["add"]
    assert _server_dirs_alive() == []


def test_stopping_a_run_mid_call_stops_the_server(db, engine, llm) -> None:
    llm.script("writer", [tool_call("sleep", {"seconds": 50}), say("never")])
    run_id = engine.start(_team(llm.url, TEST_SERVER_DESIGN), "wait", api_keys=KEYS)
    deadline, kinds = time.monotonic() + 30, []
    while "tool_call" not in kinds and time.monotonic() < deadline:
        kinds = [e.kind for e in events_after(db, run_id, 0)]
        time.sleep(0.1)
    assert _server_dirs_alive(), "the server should be running during the call"
    engine.stop(run_id)
    wait_status(db, run_id, {"stopped"}, 15)
    assert _server_dirs_alive() == []


def test_a_server_that_cannot_start_fails_the_run_with_a_sentence(db, engine, llm) -> None:
    llm.script("writer", [say("never asked")])
    design = {"command": "roundtable-no-such-command"}
    run_id = engine.start(_team(llm.url, design, chosen=["lookup"]), "go", api_keys=KEYS)
    assert engine.wait(run_id, 30)

    run = get_run(db, run_id)
    expected = ('MCP server "helper" could not start: the command "roundtable-no-such-command" was not found '
                "(is it installed, and on the PATH of the process that runs the team?). "
                "Agent coder uses it for: lookup.")
    assert (run.status, run.error) == ("failed", expected)
    errors = [e.event for e in events_after(db, run_id, 0) if e.kind == "error"]
    assert [(e.error_kind, e.message) for e in errors] == [("tool", expected)]
    assert llm.requests_for("writer") == []


def test_a_chosen_tool_the_server_lacks_fails_the_run_and_stops_the_server(db, engine, llm) -> None:
    run_id = engine.start(_team(llm.url, TEST_SERVER_DESIGN, chosen=["add", "divide"]), "go", api_keys=KEYS)
    assert engine.wait(run_id, 60)
    run = get_run(db, run_id)
    assert run.status == "failed"
    assert run.error == ("MCP server \"helper\" has no tool 'divide' (it offers: add, shout, fail, sleep, crash, "
                         "environment). Agent coder uses it for: add, divide.")
    assert _server_dirs_alive() == []


def test_a_python_tool_named_like_a_servers_tool_fails_the_run_naming_both(db, engine, llm) -> None:
    document = _team(llm.url, TEST_SERVER_DESIGN, chosen=["add"])
    coder = document.agent("coder").model_copy(update={"tools": ["helper", "add"]})
    python_add = ToolSpec(name="add", description="Add.", source="def add(a: int, b: int) -> int:\n    return a + b\n")
    document = document.model_copy(update={"agents": [coder, document.agent("executor")],
                                           "tools": [*document.tools, python_add]})
    run_id = engine.start(document, "go", api_keys=KEYS)
    assert engine.wait(run_id, 60)
    run = get_run(db, run_id)
    assert (run.status, run.error) == ("failed", 'the Python tool "add" has the name of a tool of MCP server "helper" '
                                                 "that executor already runs: choose only one of them for the agents")
    assert _server_dirs_alive() == []
