"""A group chat as a demo audience sees it, in real headless Chromium (studio demo issue, item 2):
the person's task appears as "You", members speak "to the group" (no "→ chat_manager" on every message),
and while the chosen speaker's model works a status line says who is thinking. Screenshots at 1400 and
800 px are kept for a person to look at (``ROUNDTABLE_TEST_ARTIFACTS``)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from components.llm.scripted import ScriptedLLMServer, say
from storage import open_database
from storage.designs import save_agent, save_model, save_team
from storage.documents import AgentSpec, ModelSpec, TeamSpec
from tests.e2e.test_run_flow import start_run, wait_text
from tests.support.studio import browser_page, studio_server


@pytest.fixture
def llm() -> Iterator[ScriptedLLMServer]:
    with ScriptedLLMServer() as server:
        yield server


def seed_group(data_dir: Path, llm: ScriptedLLMServer) -> str:
    db = open_database(f"sqlite:///{data_dir / 'roundtable.db'}")
    save_model(db, ModelSpec(name="Scripted", model="openai/group", api_base=llm.url, stream=True,
                             extra={"max_retries": 0}))
    save_agent(db, AgentSpec(name="host", kind="user_proxy", human_input_mode="NEVER"))
    save_agent(db, AgentSpec(name="planner", kind="assistant", model="Scripted", description="Plans."))
    save_agent(db, AgentSpec(name="writer", kind="assistant", model="Scripted", description="Writes."))
    save_team(db, TeamSpec(name="Planning group", kind="group", members=["host", "planner", "writer"],
                           initiator="host", speaker_selection="round_robin", max_round=4))
    db.close()
    return "Planning group"


@pytest.mark.parametrize("width", [1400, 800])
def test_group_chat_shows_you_the_group_and_who_is_thinking(tmp_path, llm, width) -> None:
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    shots = Path(os.environ.get("ROUNDTABLE_TEST_ARTIFACTS") or tmp_path) / "group-view"
    shots.mkdir(parents=True, exist_ok=True)
    team = seed_group(data_dir, llm)
    llm.script("group", [say("First we list the steps.", delay_s=3.0), say("Here is the text. TERMINATE", delay_s=1.0)])
    with studio_server(data_dir) as url, browser_page(width=width) as page:
        start_run(page, url, team, "Plan a birthday party.")
        wait_text(page, "planner is thinking")
        page.screenshot(path=str(shots / f"thinking-{width}.png"), full_page=True)
        wait_text(page, "First we list the steps.", timeout=30_000)
        wait_text(page, "Conversation finished", timeout=60_000)
        page.screenshot(path=str(shots / f"finished-{width}.png"), full_page=True)
        bubbles = page.locator('[data-testid="stChatMessage"]').all_inner_texts()
        assert bubbles[0].startswith("You") and "Plan a birthday party." in bubbles[0]
        assert any(b.startswith("planner") and "to the group" in b for b in bubbles)
        assert page.get_by_text("chat_manager", exact=False).count() == 0
        assert page.get_by_text("is thinking", exact=False).count() == 0  # gone once the run ended
