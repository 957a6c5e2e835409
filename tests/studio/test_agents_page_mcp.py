"""Agents page: an agent that uses an MCP server picks which of the server's tools it may use."""

from __future__ import annotations

from storage.designs import get_agent, save_agent, save_tool
from storage.documents import AgentSpec, ToolSpec
from studio.defaults import BUILTIN_MODEL_NAME
from tests.studio.conftest import fresh
from tests.studio.helpers import click, texts
from tests.studio.test_agents_page import new_agent

TIME = ToolSpec(name="time", kind="mcp", server={
    "command": "mcp-server-time",
    "tools": [{"name": "get_current_time", "description": "Now."}, {"name": "convert_time", "description": "Convert."}],
})


def test_an_agent_chooses_some_of_a_servers_tools(page, studio_db):  # type: ignore[no-untyped-def]
    save_tool(studio_db, TIME)
    at = new_agent(page("agents"), "clock")
    at.multiselect(key="agents.f.tools").set_value(["time"]).run()
    chooser = at.multiselect(key="agents.f.mcp.time")
    assert chooser.options == ["get_current_time", "convert_time"]
    assert chooser.value == ["get_current_time", "convert_time"]  # every tool until you choose
    click(at, "agents.save")
    assert get_agent(fresh(studio_db), "clock").mcp_tools == {}  # all of them, also tools the server adds later

    at.multiselect(key="agents.f.mcp.time").set_value(["convert_time"]).run()
    click(at, "agents.save")
    assert get_agent(fresh(studio_db), "clock").mcp_tools == {"time": ["convert_time"]}

    at.multiselect(key="agents.f.mcp.time").set_value([]).run()
    click(at, "agents.save")
    assert 'choose at least one tool of "time" (or remove it from tools)' in texts(at)
    assert get_agent(fresh(studio_db), "clock").mcp_tools == {"time": ["convert_time"]}


def test_a_stored_choice_opens_as_chosen(page, studio_db):  # type: ignore[no-untyped-def]
    save_tool(studio_db, TIME)
    save_agent(studio_db, AgentSpec(name="clock", model=BUILTIN_MODEL_NAME, tools=["time"],
                                    mcp_tools={"time": ["get_current_time"]}))
    at = click(page("agents"), "agents.pick.clock")
    assert at.multiselect(key="agents.f.mcp.time").value == ["get_current_time"]
