"""A tool call that waits on the person, in real headless Chromium against the scripted model server:
its name and arguments are shown with Approve / Deny; Deny and typed words never run it, Approve does."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from components.llm.scripted import ScriptedLLMServer, say, tool_call
from storage import open_database
from storage.designs import save_agent, save_model, save_team, save_tool
from storage.documents import AgentSpec, ModelSpec, TeamSpec, ToolSpec
from storage.secrets import store_api_key
from tests.e2e.test_run_flow import chat_texts, eventually, llm, shots, start_run, studio, wait_text
from tests.support.studio import browser_page

__all__ = ["llm", "shots", "studio"]  # the module's fixtures, shared with the run-flow tests

FORECAST = '''def forecast(city: str) -> str:
    """Tomorrow's weather in a city."""
    return f"rain in {city}"
'''


@pytest.fixture(scope="module")
def tool_team(studio, llm) -> str:  # type: ignore[no-untyped-def]
    """A forecaster whose tool calls the approver (a person, ALWAYS asked) runs or not."""
    return seed_tool_team(studio[1], llm)


def seed_tool_team(data_dir: Path, llm: ScriptedLLMServer) -> str:
    db = open_database(f"sqlite:///{data_dir / 'roundtable.db'}")
    try:
        save_model(db, ModelSpec(name="weather model", model="openai/weather", api_base=llm.url,
                                 extra={"max_retries": 0}))
        store_api_key(db, "weather model", "sk-test")
        save_tool(db, ToolSpec(name="forecast", source=FORECAST))
        save_agent(db, AgentSpec(name="forecaster", kind="assistant", model="weather model", tools=["forecast"]))
        save_agent(db, AgentSpec(name="approver", kind="user_proxy", human_input_mode="ALWAYS"))
        save_team(db, TeamSpec(name="Needs approval", kind="two_agent", members=["approver", "forecaster"],
                               initiator="approver"))
    finally:
        db.close()
    return "Needs approval"


def _tool_messages(llm: ScriptedLLMServer) -> list[str]:
    """The tool results the model was given, as of its last request (each request carries the history)."""
    last = llm.requests_for("weather")[-1]
    return [m.get("content") for m in last["messages"] if m["role"] == "tool"]


def test_deny_words_and_approve_each_say_what_they_do(studio, llm, shots, tool_team) -> None:
    url, team = studio[0], tool_team
    llm.script("weather", [
        tool_call("forecast", {"city": "Seoul"}), say("Understood, no tool then. Try Busan?"),
        tool_call("forecast", {"city": "Busan"}), say("Busan: rain. TERMINATE"),
    ])
    with browser_page() as page:
        start_run(page, url, team, "Weather tomorrow?")
        wait_text(page, "wants to run a tool")
        page.get_by_text('forecast(city="Seoul")').first.wait_for()
        box = page.get_by_placeholder(re.compile("Answer in words instead: forecast will not run"))
        box.wait_for(state="visible")
        page.screenshot(path=str(shots / "tool-approval.png"), full_page=True)
        page.get_by_role("button", name="Deny").click()
        wait_text(page, "Understood, no tool then.")
        assert "rain in Seoul" not in page.content()  # denied: never ran
        answer = page.get_by_placeholder(re.compile("Answer approver"))
        answer.wait_for(state="visible", timeout=30_000)
        answer.fill("Yes, Busan please.")
        answer.press("Enter")
        page.get_by_text('forecast(city="Busan")').first.wait_for(timeout=30_000)
        page.get_by_role("button", name="Approve").click()
        page.get_by_text("ran tool forecast").first.click()  # the tool card, opened
        wait_text(page, "rain in Busan")
        wait_text(page, "Busan: rain.")
        eventually(lambda: page.get_by_role("button", name="End the conversation").count() == 1, timeout=60,
                   page=page)
        assert page.get_by_role("button", name="Let it answer automatically").count() == 0  # skip ends here
        page.get_by_role("button", name="End the conversation").click()
        wait_text(page, "Conversation finished")
        texts = "\n".join(chat_texts(page))
        assert "instead of running forecast" in texts and "approved running forecast" in texts

    denied, approved = _tool_messages(llm)
    assert denied == "USER INTERRUPTED" and approved == "rain in Busan"


def test_typed_words_instead_of_a_tool_say_so(studio, llm, tool_team) -> None:
    url = studio[0]
    llm.script("weather", [tool_call("forecast", {"city": "Oslo"}), say("Fine, snow it is. TERMINATE")])
    with browser_page() as page:
        start_run(page, url, tool_team, "Weather in Oslo?")
        box = page.get_by_placeholder(re.compile("Answer in words instead"))
        box.wait_for(state="visible", timeout=60_000)
        box.fill("It will snow, skip the tool.")
        box.press("Enter")
        wait_text(page, "Fine, snow it is.")
        texts = "\n".join(chat_texts(page))
        assert "instead of running forecast: It will snow" in texts and "rain in Oslo" not in page.content()
