"""MCP tools in the real studio and real headless Chromium: a scripted model calls mcp-server-time over
stdio and the tests' own server over streamable HTTP, and the results appear in the Playground as the
same tool cards Python tools get (a failing call as a failed card with its sentence)."""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from components.llm.scripted import ScriptedLLMServer, say, tool_call
from storage import open_database
from storage.designs import save_agent, save_model, save_team, save_tool
from storage.documents import AgentSpec, ModelSpec, TeamSpec, ToolSpec
from storage.runs import get_run
from storage.secrets import store_api_key
from tests.e2e.test_run_flow import start_run
from tests.support.mcp_helpers import TEST_SERVER, http_test_server
from tests.support.studio import browser_page, studio_server


@pytest.fixture
def llm() -> Iterator[ScriptedLLMServer]:
    with ScriptedLLMServer() as server:
        yield server


def _seed(data_dir: Path, llm: ScriptedLLMServer, helper_url: str) -> None:
    db = open_database(f"sqlite:///{data_dir / 'roundtable.db'}")
    try:
        save_model(db, ModelSpec(name="Scripted", model="openai/clock", api_base=llm.url, stream=False,
                                 extra={"max_retries": 0}))
        store_api_key(db, "Scripted", "sk-test")
        save_tool(db, ToolSpec(name="time", kind="mcp", server={
            "command": shutil.which("mcp-server-time"), "args": ["--local-timezone", "UTC"]}))
        save_tool(db, ToolSpec(name="helper", kind="mcp", server={"transport": "streamable_http", "url": helper_url}))
        save_tool(db, ToolSpec(name="local_helper", kind="mcp", server={"command": sys.executable,
                                                                         "args": [str(TEST_SERVER)]}))
        save_agent(db, AgentSpec(name="clock", model="Scripted", tools=["time", "helper", "local_helper"],
                                 mcp_tools={"time": ["get_current_time"], "helper": ["shout"],
                                            "local_helper": ["fail"]}))
        save_agent(db, AgentSpec(name="runner", kind="user_proxy", human_input_mode="NEVER",
                                 code_execution={"mode": "none"}))
        save_team(db, TeamSpec(name="Clock", kind="two_agent", members=["runner", "clock"], initiator="runner"))
    finally:
        db.close()


def test_mcp_results_appear_as_tool_cards_in_the_playground(tmp_path, llm) -> None:  # type: ignore[no-untyped-def]
    llm.script("clock", [
        tool_call("get_current_time", {"timezone": "Asia/Tokyo"}),
        tool_call("shout", {"text": "over http"}),
        tool_call("fail", {"reason": "disk full"}),
        say("It is morning in Tokyo."),
        say("TERMINATE"),
    ])
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    with http_test_server() as helper_url, studio_server(data_dir) as url, browser_page() as page:
        _seed(data_dir, llm, helper_url)
        run_id = start_run(page, url, "Clock", "What time is it in Tokyo?")
        page.get_by_text("It is morning in Tokyo.").wait_for(timeout=60_000)
        page.get_by_text("Conversation finished").first.wait_for(timeout=60_000)  # no live redraw under our feet

        def card(title: str):  # type: ignore[no-untyped-def]
            # the innermost expander holding that summary (document order puts it last)
            return page.locator('[data-testid="stExpander"]').filter(has=page.locator("summary", has_text=title)).last

        card("ran tool get_current_time").locator("summary").click()
        text = card("ran tool get_current_time").inner_text()
        assert '"timezone": "Asia/Tokyo"' in text and "+09:00" in text

        card("ran tool shout").locator("summary").click()
        assert "OVER HTTP" in card("ran tool shout").inner_text()

        failed = card("ran tool fail (failed)")  # a failed call's card opens by itself
        assert ('Error: MCP server "local_helper": the tool "fail" reported an error: '
                "Error executing tool fail: refused: disk full") in failed.inner_text()
        page.get_by_text('MCP server "time" started; it offers the tools: get_current_time, convert_time.').wait_for()
        folder = os.environ.get("ROUNDTABLE_TEST_ARTIFACTS")
        page.screenshot(path=str(Path(folder) / "mcp-tool-cards.png" if folder else tmp_path / "mcp-tool-cards.png"),
                        full_page=True)

    db = open_database(f"sqlite:///{data_dir / 'roundtable.db'}")
    try:
        run = get_run(db, run_id)
        assert (run.status, run.error) == ("completed", None)
    finally:
        db.close()
