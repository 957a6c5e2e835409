"""First launch (studio demo issue, item 7): with no teams the Playground offers the gallery teams itself,
one click adds one and runs it; after "Add to my teams" in the Gallery the main action is "Run it now".

The runs these clicks start use the real built-in model; each test stops its run once it is stored.
"""

from __future__ import annotations

import threading
import time

from storage.designs import list_teams
from storage.runs import list_runs
from studio.state import run_engine
from tests.studio.conftest import fresh
from tests.studio.helpers import click, texts


def _stop_runs_as_they_start(studio_db) -> threading.Thread:  # type: ignore[no-untyped-def]
    """The Playground follows a run until it ends: stop it once it is stored, so the page script returns."""
    db = fresh(studio_db)

    def watch() -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not (runs := list_runs(db)):
            time.sleep(0.1)
        for run in runs:
            run_engine().stop(run.id, "the test saw what it needed")

    thread = threading.Thread(target=watch, daemon=True)
    thread.start()
    return thread


def test_an_empty_playground_offers_the_gallery_and_one_click_adds_and_runs(page, studio_db):  # type: ignore[no-untyped-def]
    at = page("playground")
    assert "Start with a ready-made team" in texts(at)
    offers = [b.key for b in at.button if b.key and b.key.startswith("playground.offer.")]
    assert offers == ["playground.offer.coder_executor", "playground.offer.plot_maker",
                      "playground.offer.planner_coder_reviewer"]
    watcher = _stop_runs_as_they_start(studio_db)
    click(at, "playground.offer.coder_executor")
    watcher.join(60)
    runs = list_runs(fresh(studio_db))
    assert [t.name for t in list_teams(fresh(studio_db))] == ["Coder + Executor"]
    assert [(r.team, r.task) for r in runs] == [("Coder + Executor", "Print the first 10 square numbers.")]
    assert at.query_params["run"] == [str(runs[0].id)] or at.query_params["run"] == str(runs[0].id)


def test_after_adding_a_gallery_team_the_main_action_runs_it_now(page, studio_db):  # type: ignore[no-untyped-def]
    at = click(page("gallery"), "gallery.add.coder_executor")
    now = at.button(key="gallery.now.coder_executor")
    assert now.label == "Run it now" and now.proto.type == "primary"
    watcher = _stop_runs_as_they_start(studio_db)
    now.click().run()
    watcher.join(60)
    runs = list_runs(fresh(studio_db))
    assert [(r.team, r.task) for r in runs] == [("Coder + Executor", "Print the first 10 square numbers.")]


def test_run_without_a_task_says_so_where_the_person_looks(page, studio_db):  # type: ignore[no-untyped-def]
    """Studio demo issue, item 6: the sentence is next to the Run button and in a toast, and nothing starts."""
    from studio.gallery import add_as_is

    add_as_is(fresh(studio_db), "coder_executor")
    at = page("playground")
    submit = next(b for b in at.button if b.label == "Run")
    submit.click().run()
    assert "Type a task for the team first" in " ".join(e.value for e in at.sidebar.error)
    assert any("Type a task for the team first" in t.value for t in at.toast)
    assert list_runs(fresh(studio_db)) == []
