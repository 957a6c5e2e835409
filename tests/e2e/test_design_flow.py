"""The design pages in real headless Chromium against the real studio (`streamlit run studio/app.py`).

A person builds a model, two agents and a team through the forms, reloads the browser and finds them
still there; copies a gallery team; exports a team to JSON and to Python, imports the JSON back, and runs
the exported script against the scripted model server. Screenshots of every page land in
``$ROUNDTABLE_TEST_ARTIFACTS/design_flow`` (or pytest's tmp dir).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from components.llm.scripted import ScriptedLLMServer, say
from storage import open_database
from storage.designs import get_agent, get_model, get_team, list_teams
from tests.support.studio import ROOT, browser_page, studio_server, wait_until_idle

pytestmark = pytest.mark.timeout(900)


def sel(key: str) -> str:
    """The CSS selector of the element Streamlit made for a widget ``key``."""
    return ".st-key-" + re.sub(r"[^a-zA-Z0-9_-]", "-", key.strip())


class Studio:
    """A person using the studio: clicks, types, picks, and waits for Streamlit like they would."""

    def __init__(self, page, url: str, shots: Path) -> None:  # type: ignore[no-untyped-def]
        self.page, self.url, self.shots = page, url, shots

    def settle(self) -> None:
        with contextlib.suppress(PlaywrightTimeout):  # the rerun may already be over
            self.page.wait_for_selector('[data-testid="stApp"][data-test-script-state="running"]', timeout=1500)
        wait_until_idle(self.page, timeout=60_000)
        # Widgets whose code is still loading show a skeleton: wait until every one is drawn.
        self.page.wait_for_function("!document.querySelector('[data-testid=stMain] [data-testid=stSkeleton]')",
                                    timeout=60_000)

    def go(self, title: str) -> None:
        self.page.get_by_test_id("stSidebarNavLink").filter(has_text=re.compile(f"^.*{re.escape(title)}$")).click()
        self.settle()
        self.page.get_by_test_id("stHeading").filter(has_text=title).first.wait_for()

    def click(self, key: str) -> None:
        self.page.locator(f"{sel(key)} button").first.click()
        self.settle()

    def type(self, key: str, text: str) -> None:
        box = self.page.locator(f"{sel(key)} input, {sel(key)} textarea").first
        box.fill(text)
        box.press("Tab")
        self.settle()

    def choose(self, key: str, *options: str) -> None:
        for option in options:
            box = self.page.locator(f"{sel(key)} [role=combobox]").first
            box.click()
            box.fill(option)  # filters the list, and opens it
            self.page.get_by_role("option", name=option, exact=True).click()
            self.settle()
        self.page.keyboard.press("Escape")

    def tick(self, key: str, label: str) -> None:
        self.page.locator(sel(key)).get_by_text(label, exact=True).click()
        self.settle()

    def sees(self, text: str) -> None:
        self.page.get_by_text(text).first.wait_for(timeout=30_000)

    def shot(self, name: str) -> None:
        """A screenshot of the whole page (the viewport grows to the page's height for it)."""
        self.page.wait_for_load_state("networkidle")
        size = self.page.viewport_size
        height = self.page.evaluate("document.querySelector('[data-testid=stMain]').scrollHeight")
        self.page.set_viewport_size({"width": size["width"], "height": max(size["height"], min(height + 40, 6000))})
        self.page.wait_for_timeout(500)
        self.page.screenshot(path=str(self.shots / f"{name}.png"))
        self.page.set_viewport_size(size)
        assert self.page.get_by_test_id("stException").count() == 0, self.page.get_by_test_id("stException").first.inner_text()


@pytest.fixture
def shots(tmp_path) -> Path:  # type: ignore[no-untyped-def]
    folder = Path(os.environ.get("ROUNDTABLE_TEST_ARTIFACTS") or tmp_path) / "design_flow"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def test_design_a_team_in_the_browser(tmp_path, shots):  # type: ignore[no-untyped-def]
    data = tmp_path / "data"
    data.mkdir()
    with ScriptedLLMServer() as llm, studio_server(data, env={"SCRIPTED_KEY": "sk-scripted"}) as url, \
            browser_page() as page:
        llm.respond("scripted", lambda body: say("Ready!"))
        page.goto(url)
        wait_until_idle(page)
        me = Studio(page, url, shots)

        # -- a model, with the Test button ------------------------------------------------------------
        me.go("Models")
        me.shot("models-empty")
        me.click("models.new")
        me.type("models.f.name", "Scripted")
        me.choose("models.f.preset", "Any OpenAI-compatible server")
        me.type("models.f.model", "scripted")
        me.type("models.f.api_base", llm.url)
        me.tick("models.f.key_source", "From an environment variable")
        me.type("models.f.api_key_env", "SCRIPTED_KEY")
        me.click("models.save")
        me.sees("Saved model \u201cScripted\u201d.")
        me.click("models.test")
        me.sees("Ready!")
        me.shot("models")

        # -- two agents ---------------------------------------------------------------------------------
        me.go("Agents")
        me.shot("agents-empty")
        me.click("agents.new")
        me.type("agents.f.name", "writer")
        me.choose("agents.f.model", "Scripted")
        me.click("agents.save")
        me.sees("Saved agent \u201cwriter\u201d.")
        me.click("agents.new")
        me.type("agents.f.name", "runner")
        me.tick("agents.f.kind", "User proxy")
        me.tick("agents.f.human_input_mode", "Never: the agent replies on its own")
        me.tick("agents.f.limit_replies", "Limit automatic replies in a row")
        me.click("agents.save")
        me.sees("Saved agent \u201crunner\u201d.")
        me.shot("agents")

        # -- a team, checked --------------------------------------------------------------------------
        me.go("Teams")
        me.click("teams.new")
        me.type("teams.f.name", "Pair")
        me.choose("teams.f.members", "runner", "writer")
        me.tick("teams.f.limit_turns", "Limit the number of turns")
        me.click("teams.save")
        me.sees("Saved team \u201cPair\u201d.")
        me.click("teams.validate")
        me.sees("Ready to run: no problems found.")
        me.shot("teams")

        # -- everything survives a reload ----------------------------------------------------------------
        page.reload()
        wait_until_idle(page)
        for title, name in (("Models", "Scripted"), ("Agents", "writer"), ("Agents", "runner"), ("Teams", "Pair")):
            me.go(title)
            me.sees(name)
        db = open_database(f"sqlite:///{data / 'roundtable.db'}")
        try:
            assert get_model(db, "Scripted").model == "openai/scripted"
            assert get_agent(db, "runner").code_execution.mode == "local"
            assert get_team(db, "Pair").members == ["runner", "writer"]
        finally:
            db.close()

        # -- a gallery team -----------------------------------------------------------------------------
        me.go("Gallery")
        me.shot("gallery")
        me.click("gallery.add.coder_executor")
        me.sees("Added team \u201cCoder + Executor\u201d")
        me.shot("gallery-added")
        me.click("gallery.add.planner_coder_reviewer")
        me.sees("Added team \u201cPlanner, Coder, Reviewer\u201d")

        # -- a group chat's order and transitions, drawn as a graph --------------------------------------
        me.go("Teams")
        me.click("teams.pick.Planner, Coder, Reviewer")
        me.tick("teams.f.use_transitions", "Limit who may speak after whom")
        me.choose("teams.f.edges.executor", "planner", "reviewer")
        me.choose("teams.f.edges.planner", "coder")
        me.choose("teams.f.edges.coder", "reviewer")
        me.choose("teams.f.edges.reviewer", "executor")
        page.get_by_test_id("stGraphVizChart").first.wait_for()
        me.shot("teams-group")

        # -- a tool -----------------------------------------------------------------------------------------
        me.go("Tools")
        me.click("tools.new")
        me.sees("The code checks out.")
        me.shot("tools")

        # -- export to JSON and Python, import the JSON back -------------------------------------------
        me.go("Import / Export")
        page.get_by_role("tab", name=re.compile("Export a team")).click()
        me.choose("transfer.team", "Pair")
        with page.expect_download() as download:
            me.click("transfer.download_json")
        json_file = tmp_path / download.value.suggested_filename
        download.value.save_as(json_file)
        with page.expect_download() as download:
            me.click("transfer.download_py")
        script = tmp_path / download.value.suggested_filename
        download.value.save_as(script)
        me.shot("export")
        assert json.loads(json_file.read_text())["team"]["name"] == "Pair" and script.name == "pair.py"
        page.get_by_role("tab", name=re.compile("Import a team")).click()
        page.locator(f"{sel('transfer.upload')} input[type=file]").set_input_files(str(json_file))
        me.settle()
        me.sees("two-agent chat")
        me.click("transfer.import")
        me.sees("Imported team \u201cPair\u201d.")
        me.shot("import")

        me.go("Settings")
        me.sees(str(data.resolve()))
        me.shot("settings")

        db = open_database(f"sqlite:///{data / 'roundtable.db'}")
        try:
            assert sorted(t.name for t in list_teams(db)) == ["Coder + Executor", "Pair", "Planner, Coder, Reviewer"]
        finally:
            db.close()

        # -- the exported script runs on its own, against the same model server ------------------------
        llm.script("scripted", [say("```python\nprint(sum(range(1, 101)))\n```"), say("TERMINATE")])
        result = subprocess.run(
            [sys.executable, str(script), "Add the numbers from 1 to 100."], cwd=tmp_path, capture_output=True,
            text=True, timeout=300, stdin=subprocess.DEVNULL, check=False,
            env={**os.environ, "PYTHONPATH": str(ROOT), "SCRIPTED_KEY": "sk-scripted"},
        )
        assert result.returncode == 0, result.stderr[-3000:]
        assert "--- runner -> writer\nAdd the numbers from 1 to 100." in result.stdout
        assert "exitcode: 0 (execution succeeded)\nCode output: 5050" in result.stdout
