"""Workers mode in real headless Chromium: restarting the studio mid-run leaves the run going on its
worker, and the new studio process shows it live (real PostgreSQL, a real worker process)."""

from __future__ import annotations

from storage import open_database
from storage.designs import save_agent, save_model, save_team
from storage.documents import AgentSpec, ModelSpec, TeamSpec
from storage.eventlog import events_after
from storage.runs import get_run
from storage.secrets import store_api_key
from studio.runs.engine import RunEngine
from studio.runs.service import start_team_run
from tests.support.studio import browser_page, studio_server
from tests.workers.conftest import wait_until


def _seed(url: str, api_base: str) -> str:
    db = open_database(url)
    try:
        save_model(db, ModelSpec(name="Slow model", model="openai/slowpoke", api_base=api_base, stream=True,
                                 extra={"max_retries": 0}))
        store_api_key(db, "Slow model", "sk-test")
        save_agent(db, AgentSpec(name="talker", kind="assistant", model="Slow model"))
        save_agent(db, AgentSpec(name="listener", kind="user_proxy", human_input_mode="NEVER"))
        save_team(db, TeamSpec(name="Slow talker", kind="two_agent", members=["listener", "talker"],
                               initiator="listener"))
    finally:
        db.close()
    return "Slow talker"


def test_a_studio_restart_leaves_the_run_on_its_worker_and_the_new_studio_shows_it_live(
    tmp_path, pg_url, start_worker, llm
) -> None:  # type: ignore[no-untyped-def]
    from components.llm.scripted import say

    team = _seed(pg_url, llm.url)
    llm.script("slowpoke", [say("one", delay_s=2), say("two", delay_s=5), say("three", delay_s=5),
                            say("four", delay_s=5), say("TERMINATE", delay_s=1)])
    worker = start_worker()
    env = {"ROUNDTABLE_DATABASE_URL": pg_url, "ROUNDTABLE_RUNS": "workers"}
    db = open_database(pg_url)
    (tmp_path / "first").mkdir()
    (tmp_path / "second").mkdir()
    try:
        with studio_server(tmp_path / "first", env=env) as first, browser_page() as page:
            queueing = RunEngine(db, tmp_path / "cli", mode="workers")  # as `run --detach` would
            run_id = start_team_run(db, queueing, team, "Count slowly.")
            queueing.close()
            page.goto(f"{first}/?run={run_id}")
            page.get_by_text("one", exact=True).first.wait_for(timeout=60_000)
        # the first studio is gone; the run goes on
        said = lambda: [e.event.content for e in events_after(db, run_id) if e.kind == "message"]  # noqa: E731
        before = len(said())
        assert get_run(db, run_id).status == "running" and get_run(db, run_id).worker == worker.holder
        with studio_server(tmp_path / "second", env=env) as second, browser_page() as page:
            page.goto(f"{second}/?run={run_id}")
            page.get_by_text("four", exact=True).first.wait_for(timeout=60_000)  # said after the restart
            page.get_by_text("Conversation finished").first.wait_for(timeout=60_000)
        wait_until(lambda: get_run(db, run_id).status == "completed", 30, "completion")
        assert before < said().index("four") + 1  # "four" came after the first studio had gone
    finally:
        db.close()
