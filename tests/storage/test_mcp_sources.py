"""MCP servers as tool sources: stored with their definition, chosen per agent, carried by team JSON."""

from __future__ import annotations

import json

import pytest

from storage import Database, DocumentError, InUseError
from storage.designs import (
    delete_team,
    delete_tool,
    get_agent,
    get_tool,
    list_tools,
    resolve_team,
    save_agent,
    save_tool,
)
from storage.documents import AgentSpec, ToolSpec
from storage.transfer import export_team, import_team
from storage.validation import dump_document, load_team_json
from tests.storage.helpers import sample_document, store_document

TIME = ToolSpec(
    name="time", kind="mcp", description="Clock and time zones.",
    server={
        "command": "mcp-server-time", "args": ["--local-timezone", "UTC"], "env": ["TZ_TOKEN"], "timeout": 12,
        "tools": [{"name": "get_current_time", "description": "Now.", "input_schema": {"type": "object"}},
                  {"name": "convert_time", "description": "Convert."}],
    },
)
WEB = ToolSpec(
    name="web", kind="mcp",
    server={"transport": "streamable_http", "url": "https://tools.example/mcp", "headers": {"Authorization": "WEB_TOKEN"}},
)


def _document_with_servers():  # type: ignore[no-untyped-def]
    document = sample_document()
    coder = document.agent("coder").model_copy(update={
        "tools": ["add", "time", "web"], "mcp_tools": {"time": ["convert_time"]},
    })
    return document.model_copy(update={
        "agents": [coder if a.name == "coder" else a for a in document.agents],
        "tools": [*document.tools, TIME, WEB],
    })


def test_a_server_and_an_agents_choice_are_stored(db: Database) -> None:
    store_document(db, _document_with_servers())

    assert get_tool(db, "time") == TIME
    assert get_tool(db, "web") == WEB
    assert [(t.name, t.kind) for t in list_tools(db)] == [("add", "python"), ("time", "mcp"), ("web", "mcp")]
    coder = get_agent(db, "coder")
    assert coder.tools == ["add", "time", "web"]
    assert coder.mcp_tools == {"time": ["convert_time"]}  # "web": no choice, all of its tools
    resolved = resolve_team(db, "Research")
    assert resolved.tool("time").server.command == "mcp-server-time"
    assert resolved.agent("coder").mcp_tools == {"time": ["convert_time"]}

    save_agent(db, coder.model_copy(update={"mcp_tools": {"time": ["get_current_time", "convert_time"]}}),
               replacing="coder")
    assert get_agent(db, "coder").mcp_tools == {"time": ["get_current_time", "convert_time"]}
    save_tool(db, TIME.model_copy(update={"name": "clock"}), replacing="time")  # the agents follow the rename
    assert get_agent(db, "coder").tools == ["add", "clock", "web"]
    assert get_agent(db, "coder").mcp_tools == {"clock": ["get_current_time", "convert_time"]}
    with pytest.raises(InUseError, match='tool "clock" is used by agent "coder"'):
        delete_tool(db, "clock")


def test_team_json_carries_the_server_definition(db: Database) -> None:
    store_document(db, _document_with_servers())
    text = dump_document(export_team(db, "Research"))

    data = json.loads(text)
    time_tool = next(t for t in data["tools"] if t["name"] == "time")
    assert time_tool["kind"] == "mcp" and time_tool["source"] == ""
    assert time_tool["server"]["args"] == ["--local-timezone", "UTC"] and time_tool["server"]["env"] == ["TZ_TOKEN"]
    assert next(a for a in data["agents"] if a["name"] == "coder")["mcp_tools"] == {"time": ["convert_time"]}

    delete_team(db, "Research")
    document = load_team_json(text, "research.json")
    import_team(db, document, on_conflict="overwrite")
    assert resolve_team(db, "Research") == export_team(db, "Research") == document


@pytest.mark.parametrize(("change", "path", "message"), [
    ({"tools": ["add"], "mcp_tools": {"time": ["convert_time"]}}, "agents[1].mcp_tools.time",
     'chooses tools of "time", which is not among this agent\'s tools'),
    ({"tools": ["add", "time"], "mcp_tools": {"time": []}}, "agents[1].mcp_tools.time",
     'choose at least one tool of "time" (or remove it from tools)'),
])
def test_a_choice_that_does_not_fit_is_named_with_its_path(change, path, message) -> None:  # type: ignore[no-untyped-def]
    data = json.loads(dump_document(_document_with_servers()))
    data["agents"][1].update(change)
    with pytest.raises(DocumentError) as caught:
        load_team_json(json.dumps(data), "team.json")
    assert (path, message) in [(p.path, p.message) for p in caught.value.problems]


@pytest.mark.parametrize(("server", "path", "fragment"), [
    ({"command": "srv", "env": ["TOKEN=hunter2"]}, "tools[1].server.env",
     "'TOKEN=hunter2' is not an environment variable name"),
    ({"transport": "sse", "url": "https://user:pw@host/sse"}, "tools[1].server",
     "must not carry a user name or password"),
    ({"transport": "streamable_http", "url": "https://host/mcp", "headers": {"Authorization": "Bearer abc"}},
     "tools[1].server.headers", "must name an environment variable that holds its value"),
    ({"transport": "stdio"}, "tools[1].server", "a stdio server needs a command"),
    ({"transport": "streamable_http", "url": "file:///etc/passwd"}, "tools[1].server", "needs an http:// or https:// url"),
])
def test_a_server_definition_never_holds_a_secret_or_a_bad_address(server, path, fragment) -> None:  # type: ignore[no-untyped-def]
    data = json.loads(dump_document(sample_document()))
    data["tools"].append({"name": "srv", "kind": "mcp", "server": server})
    with pytest.raises(DocumentError) as caught:
        load_team_json(json.dumps(data), "team.json")
    problems = [(p.path, p.message) for p in caught.value.problems]
    assert any(p == path and fragment in m for p, m in problems), problems


def test_an_mcp_source_is_not_python_and_the_other_way_round() -> None:
    with pytest.raises(ValueError, match="an MCP tool source needs a server"):
        ToolSpec(name="x", kind="mcp")
    with pytest.raises(ValueError, match='a server belongs to an MCP tool source: set kind to "mcp"'):
        ToolSpec(name="x", source="def x():\n    pass\n", server={"command": "srv"})
    assert AgentSpec(name="a").mcp_tools == {}
