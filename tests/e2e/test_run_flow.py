"""Running teams in the real studio, in real headless Chromium, against the scripted model server:
live messages, a plot shown inline, stop, human input, refresh mid-run, replay, ?run= links, HTML export."""

from __future__ import annotations

import os
import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from components.llm.scripted import ScriptedLLMServer, Step, say
from storage import open_database
from storage.designs import save_agent, save_model, save_team
from storage.documents import AgentSpec, CodeExecutionSpec, ModelSpec, TeamSpec
from storage.secrets import store_api_key
from tests.support.studio import (
    browser_page,
    choose,
    eventually,
    open_sidebar,
    studio_server,
    wait_until_idle,
)

PLOT = (
    "Here is the chart.\n```python\nimport matplotlib.pyplot as plt\nxs = list(range(1, 11))\n"
    "plt.plot(xs, [x * x for x in xs], marker='o')\nplt.title('Squares')\nplt.savefig('squares.png')\n"
    "print('saved squares.png')\n```"
)


@pytest.fixture(scope="module")
def llm() -> Iterator[ScriptedLLMServer]:
    with ScriptedLLMServer() as server:
        yield server


@pytest.fixture(scope="module")
def studio(tmp_path_factory, llm) -> Iterator[tuple[str, Path]]:  # type: ignore[no-untyped-def]
    data_dir = tmp_path_factory.mktemp("studio-data")
    with studio_server(data_dir) as url:
        yield url, data_dir


@pytest.fixture(scope="module")
def shots(tmp_path_factory) -> Path:  # type: ignore[no-untyped-def]
    folder = os.environ.get("ROUNDTABLE_TEST_ARTIFACTS")
    path = Path(folder) / "run-flow" if folder else tmp_path_factory.mktemp("screenshots")
    path.mkdir(parents=True, exist_ok=True)
    return path


def seed_team(data_dir: Path, llm: ScriptedLLMServer, name: str, model: str, executor_mode: str = "NEVER") -> str:
    """A Coder + Executor team whose coder talks to ``model`` on the scripted server."""
    db = open_database(f"sqlite:///{data_dir / 'roundtable.db'}")
    try:
        save_model(db, ModelSpec(name=f"{name} model", model=f"openai/{model}", api_base=llm.url, stream=True,
                                 extra={"max_retries": 0}))
        store_api_key(db, f"{name} model", "sk-test")
        save_agent(db, AgentSpec(name=f"{model}_coder", kind="assistant", model=f"{name} model",
                                 description="Writes Python code."))
        save_agent(db, AgentSpec(name=f"{model}_runner", kind="user_proxy", human_input_mode=executor_mode,
                                 code_execution=CodeExecutionSpec(mode="local", timeout=60)))
        save_team(db, TeamSpec(name=name, kind="two_agent", members=[f"{model}_runner", f"{model}_coder"],
                               initiator=f"{model}_runner"))
    finally:
        db.close()
    return name


def slow(text: str, seconds: float = 1.0) -> Step:
    return say(text, delay_s=seconds)


def start_run(page, url: str, team: str, task: str) -> int:  # type: ignore[no-untyped-def]
    page.goto(url)
    wait_until_idle(page)
    open_sidebar(page)
    chooser = page.locator('[data-testid="stSelectbox"]').filter(has=page.get_by_role("combobox", name="Team"))
    if chooser.inner_text().strip().splitlines()[-1:] != [team]:  # not already the team shown
        choose(page, page.get_by_role("combobox", name="Team"), team)
    page.get_by_label("Task").fill(task)
    page.get_by_role("button", name="Run", exact=True).click()
    page.wait_for_url(re.compile(r"\?run=\d+"))
    return int(re.search(r"run=(\d+)", page.url).group(1))


def chat_texts(page) -> list[str]:  # type: ignore[no-untyped-def]
    return page.locator('[data-testid="stChatMessage"]').all_inner_texts()


def wait_text(page, text: str, timeout: float = 60_000) -> None:  # type: ignore[no-untyped-def]
    page.get_by_text(text, exact=False).first.wait_for(timeout=timeout)


def test_live_run_shows_messages_as_they_arrive_and_the_plot(studio, llm, shots) -> None:
    url, data_dir = studio
    team = seed_team(data_dir, llm, "Live plot", "live")
    llm.script("live", [slow(PLOT, 2.0), slow("The chart shows the squares growing.", 2.0), slow("TERMINATE", 1.0)])
    with browser_page(height=1600) as page:
        start_run(page, url, team, "Plot the first 10 square numbers.")
        wait_text(page, "Here is the chart.")
        # the run is still going while the first messages are on the page: they arrived live
        assert page.get_by_text("Running", exact=False).count() > 0 or page.get_by_text("Waiting").count() > 0
        image = page.locator('[data-testid="stImage"] img').first
        image.wait_for(timeout=60_000)
        assert image.evaluate("img => img.naturalWidth") > 100
        wait_text(page, "Conversation finished")
        page.screenshot(path=str(shots / "live-run.png"), full_page=True)
        texts = "\n".join(chat_texts(page))
        assert "Plot the first 10 square numbers." in texts and "The chart shows the squares growing." in texts
        eventually(lambda: page.get_by_text("Completed").count() > 0)


def test_stop_ends_the_run_and_keeps_what_was_said(studio, llm, shots) -> None:
    url, data_dir = studio
    team = seed_team(data_dir, llm, "Stoppable", "stoppable")
    llm.script("stoppable", [slow("First thoughts.", 0.5), slow("never shown", 30)])
    with browser_page() as page:
        run_id = start_run(page, url, team, "Think for a long time.")
        wait_text(page, "First thoughts.")
        started = time.monotonic()
        page.get_by_role("button", name="Stop the run").click()
        wait_text(page, "Stopped", timeout=15_000)
        assert time.monotonic() - started < 8
        page.screenshot(path=str(shots / "stopped-run.png"), full_page=True)
        assert "First thoughts." in "\n".join(chat_texts(page))
        assert "never shown" not in page.content()
    db = open_database(f"sqlite:///{data_dir / 'roundtable.db'}")
    from storage.runs import get_run

    assert get_run(db, run_id).status == "stopped"


def test_answer_a_human_input_request(studio, llm, shots) -> None:
    url, data_dir = studio
    team = seed_team(data_dir, llm, "Asks the human", "asker", executor_mode="ALWAYS")
    llm.script("asker", [say("Which colour should the chart be?"), say("Blue it is. TERMINATE")])
    with browser_page() as page:
        start_run(page, url, team, "Make a chart.")
        wait_text(page, "asks you for an answer")
        box = page.get_by_placeholder(re.compile("Answer asker_runner"))
        eventually(lambda: page.get_by_text("asker_runner is waiting for your answer").count() == 1)
        box.wait_for(state="visible")
        page.get_by_role("button", name="End the conversation").wait_for(state="visible")
        # The runner has no model and no code to run: "answer automatically" would send an empty message,
        # and AutoGen's console prompt is not drawn beside the buttons.
        assert page.get_by_role("button", name="Let it answer automatically").count() == 0
        assert "Press enter to skip" not in page.content()
        page.screenshot(path=str(shots / "waiting-for-input.png"), full_page=True)
        box.fill("blue, please")
        box.press("Enter")
        wait_text(page, "Blue it is.")
        eventually(lambda: page.get_by_text("asks you for an answer").count() == 2, timeout=30)  # asked again
        page.get_by_role("button", name="End the conversation").click()
        wait_text(page, "Conversation finished")
        texts = "\n".join(chat_texts(page))
        assert "blue, please" in texts and "Blue it is. TERMINATE" in texts


def test_refresh_mid_run_reattaches(studio, llm, shots) -> None:
    url, data_dir = studio
    team = seed_team(data_dir, llm, "Slow talker", "slowpoke")
    llm.script("slowpoke", [slow("one", 1.5), slow("two", 1.5), slow("three", 1.5), slow("TERMINATE", 1.0)])
    with browser_page() as page:
        run_id = start_run(page, url, team, "Count slowly.")
        wait_text(page, "one")
        page.reload()
        assert f"run={run_id}" in page.url
        wait_text(page, "three", timeout=60_000)
        wait_text(page, "Conversation finished")
        texts = "\n".join(chat_texts(page))
        for word in ("one", "two", "three"):
            assert texts.count(f"\n{word}") >= 1
        page.screenshot(path=str(shots / "after-refresh.png"), full_page=True)


def test_replay_at_10x_jump_and_share_link(studio, llm, shots) -> None:
    url, data_dir = studio
    team = seed_team(data_dir, llm, "Replayable", "replay")
    llm.script("replay", [say(f"step {i}") for i in range(1, 6)] + [say("TERMINATE")])
    with browser_page() as page:
        run_id = start_run(page, url, team, "Take five steps.")
        wait_text(page, "Conversation finished")
        page.goto(f"{url}/replay?run={run_id}")  # the share link opens the replay directly
        wait_until_idle(page)
        assert page.get_by_text(f"Run #{run_id}").count() > 0
        eventually(lambda: chat_texts(page) == [])  # it opens at the start, ready to play
        page.locator('[data-testid="stExpander"] summary').filter(has_text=f"Run #{run_id}").click()
        page.locator('[data-testid="stCode"]').filter(has_text=f"?run={run_id}").wait_for()  # a copyable link
        page.locator('[data-testid="stExpander"] summary').filter(has_text=f"Run #{run_id}").click()
        speed, position = page.get_by_role("slider").nth(0), page.get_by_role("slider").nth(1)
        speed.focus()
        speed.press("End")  # 10x
        eventually(lambda: "10x" in speed.get_attribute("aria-valuetext") or "")
        page.get_by_role("button", name="Play").click()
        wait_text(page, "step 5", timeout=30_000)
        eventually(lambda: page.get_by_role("button", name="Play").count() == 1)  # finished playing
        page.screenshot(path=str(shots / "replay.png"), full_page=True)
        assert "step 1" in "\n".join(chat_texts(page))
        position.focus()
        position.press("Home")  # jump back to the start with the slider
        eventually(lambda: chat_texts(page) == [])


def test_html_export_renders_offline(studio, llm, shots, tmp_path) -> None:
    url, data_dir = studio
    team = seed_team(data_dir, llm, "Exportable", "exporter")
    llm.script("exporter", [say(PLOT), say("TERMINATE")])
    with browser_page() as page:
        run_id = start_run(page, url, team, "Plot for the report.")
        wait_text(page, "Conversation finished")
    db = open_database(f"sqlite:///{data_dir / 'roundtable.db'}")
    from studio.runs.export import run_html

    html_file = tmp_path / "run.html"
    html_file.write_text(run_html(db, run_id, data_dir))
    with browser_page() as page:
        page.route(re.compile(r"^https?://"), lambda route: route.abort())  # offline: no network at all
        page.goto(html_file.as_uri())
        image = page.locator("img").first
        assert image.evaluate("img => img.complete && img.naturalWidth") > 100
        assert page.get_by_text("Plot for the report.").count() > 0
        page.screenshot(path=str(shots / "export.png"), full_page=True)
