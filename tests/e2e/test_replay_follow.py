"""Follow mode in real headless Chromium: while a replay plays, the newest message and the controls stay
in view, at a wide and a narrow window, and a reader who scrolls up is left where they are; the live view
of a run keeps its newest message in view too."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from components.events import ChatFinished, ChatStarted, MessageSent
from components.llm.scripted import ScriptedLLMServer, say
from storage import open_database
from storage.documents import AgentSpec, TeamDocument, TeamSpec
from storage.eventlog import append_events
from storage.runs import create_run, set_run_status
from tests.e2e.test_run_flow import chat_texts, eventually, seed_team, start_run, wait_text
from tests.support.studio import browser_page, studio_server, wait_until_idle

MESSAGES = 24
LINES = "\n\n".join(f"Line {i} of a reply long enough to take some room on the page." for i in range(4))


@pytest.fixture(scope="module")
def llm() -> Iterator[ScriptedLLMServer]:
    with ScriptedLLMServer() as server:
        yield server


@pytest.fixture(scope="module")
def studio(tmp_path_factory) -> Iterator[tuple[str, Path]]:  # type: ignore[no-untyped-def]
    data_dir = tmp_path_factory.mktemp("studio-data")
    with studio_server(data_dir) as url:
        yield url, data_dir


@pytest.fixture(scope="module")
def shots(tmp_path_factory) -> Path:  # type: ignore[no-untyped-def]
    folder = os.environ.get("ROUNDTABLE_TEST_ARTIFACTS")
    path = Path(folder) / "replay-follow" if folder else tmp_path_factory.mktemp("screenshots")
    path.mkdir(parents=True, exist_ok=True)
    return path


def stored_run(data_dir: Path) -> int:
    """A finished run of many long messages, one second apart (stored directly: no model is needed)."""
    db = open_database(f"sqlite:///{data_dir / 'roundtable.db'}")
    try:
        team = TeamDocument(
            team=TeamSpec(name="Talkers", kind="two_agent", members=["user", "helper"], initiator="user"),
            agents=[AgentSpec(name="user", kind="user_proxy"), AgentSpec(name="helper", kind="assistant")],
        )
        run_id = create_run(db, team, "Talk for a while.")
        set_run_status(db, run_id, "running")
        events: list = [ChatStarted(chat_id="c", initiator="user", recipient="helper", ts=100.0)]
        for i in range(MESSAGES):
            sender, recipient = ("user", "helper") if i % 2 == 0 else ("helper", "user")
            events.append(MessageSent(sender=sender, recipient=recipient, role="assistant", name=sender,
                                      content=f"Message number {i + 1}.\n\n{LINES}", ts=101.0 + i))
        events.append(ChatFinished(chat_id="c", initiator="user", recipient="helper", reason="done", ts=101.0 + MESSAGES))
        append_events(db, run_id, events)
        set_run_status(db, run_id, "completed")
    finally:
        db.close()
    return run_id


def in_view(page, locator) -> bool:  # type: ignore[no-untyped-def]
    box = locator.bounding_box()
    height = page.viewport_size["height"]
    return box is not None and box["y"] >= 0 and box["y"] + min(box["height"], 40) <= height


@pytest.mark.parametrize("width", [1400, 800])
def test_replay_keeps_the_newest_message_and_the_controls_in_view(studio, shots, width) -> None:
    url, data_dir = studio
    run_id = stored_run(data_dir)
    with browser_page(width=width, height=900) as page:
        page.goto(f"{url}/replay?run={run_id}")
        wait_until_idle(page)
        assert chat_texts(page) == []  # opens at the start, ready to play
        wait_text(page, f"Message 0 of {MESSAGES}")
        page.get_by_role("button", name="Play").click()
        page.get_by_role("button", name="Pause").wait_for(timeout=10_000)
        checked = 0
        while page.get_by_role("button", name="Pause").count() and checked < 12:
            bubbles = page.locator('[data-testid="stChatMessage"]')
            count = bubbles.count()
            if count >= 6:  # the conversation is taller than the window by now
                newest = bubbles.nth(count - 1)
                assert in_view(page, newest), f"message {count} is out of view at {width} px"
                assert in_view(page, page.get_by_role("button", name="Pause")), "the controls scrolled away"
                if checked == 2:
                    page.screenshot(path=str(shots / f"replay-playing-{width}.png"))
                checked += 1
            time.sleep(0.4)
        assert checked >= 3, "the replay ended before it could be checked"

        # a reader who scrolls up while it plays is left there
        page.get_by_role("button", name="Start").click()
        eventually(lambda: chat_texts(page) == [])
        page.get_by_role("button", name="Play").click()
        eventually(lambda: page.locator('[data-testid="stChatMessage"]').count() >= 8, timeout=30)
        first = page.locator('[data-testid="stChatMessage"]').first
        first.scroll_into_view_if_needed()
        page.mouse.move(width / 2, 600)
        page.mouse.wheel(0, -5000)
        time.sleep(1.5)  # a few more messages arrive meanwhile
        assert in_view(page, first), "follow mode pulled a reader who scrolled up back down"
        page.screenshot(path=str(shots / f"replay-scrolled-up-{width}.png"))
        wait_text(page, f"Message number {MESSAGES}.", timeout=60_000)


def test_the_live_view_keeps_the_newest_message_in_view(studio, llm, shots) -> None:
    url, data_dir = studio
    team = seed_team(data_dir, llm, "Long talker", "talker")
    llm.script("talker", [say(f"Reply {i}.\n\n{LINES}", delay_s=1.0) for i in range(1, 9)] + [say("TERMINATE")])
    with browser_page(width=1400, height=900) as page:
        start_run(page, url, team, "Talk at length.")
        checked = 0
        deadline = time.monotonic() + 90
        while checked < 3 and time.monotonic() < deadline:
            bubbles = page.locator('[data-testid="stChatMessage"]')
            count = bubbles.count()
            if count >= 8 and page.get_by_text("Conversation finished").count() == 0:
                assert in_view(page, bubbles.nth(count - 1)), f"message {count} arrived out of view"
                checked += 1
            time.sleep(0.5)
        assert checked == 3, "the run ended before the live view could be checked"
        page.screenshot(path=str(shots / "live-following.png"))
        wait_text(page, "Conversation finished", timeout=60_000)


def test_history_previews_the_chosen_run_with_a_copyable_replay_link(studio, shots) -> None:
    url, data_dir = studio
    run_id = stored_run(data_dir)
    with browser_page(width=1400, height=900) as page:
        page.goto(f"{url}/history?run={run_id}")
        wait_until_idle(page)
        wait_text(page, f"Message number {MESSAGES}.")  # the preview shows the conversation's end
        link = page.locator('[data-testid="stCode"]').filter(has_text=f"/replay?run={run_id}")
        link.wait_for()
        link.hover()
        assert page.locator('[data-testid="stCode"] button').count() >= 1  # Streamlit's copy button
        page.screenshot(path=str(shots / "history-preview.png"), full_page=True)
