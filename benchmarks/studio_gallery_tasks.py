"""The gallery teams on the default built-in model, driven through the real studio in headless Chromium.

A fresh studio (its own data dir) gets the three gallery teams as they ship (``gallery.add_as_is``: the
built-in model, code run locally). For each task a person's steps are taken in Chromium: the Playground,
pick the team, type the task, Run; then the page is watched until it shows the run's end. The gallery's
three example tasks run on their own teams, the ten more from ``local_model_tasks`` on Coder + Executor,
once each (one seed: the model's default sampling). A task is solved when a code block the run executed
succeeded and its output passes the same check as in ``local_model_tasks``. Reported: solved, seconds
from the click on Run to the finished page (median and each), and why the others failed.

    python -m benchmarks.studio_gallery_tasks [--tasks squares fizzbuzz ...]
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import tempfile
import time
from pathlib import Path

from benchmarks.local_model_tasks import TASKS, Task
from components.events import CodeFinished, MessageSent
from storage import open_database
from storage.eventlog import events_after
from storage.runs import get_run
from studio.gallery import add_as_is, gallery_teams
from tests.support.studio import browser_page, studio_server, wait_until_idle

TEAM_OF = {"squares": "Coder + Executor", "bar_chart": "Plot maker", "palindrome": "Planner, Coder, Reviewer"}


def start_run(page, url: str, team: str, task: str) -> int:  # type: ignore[no-untyped-def]
    page.goto(url)
    wait_until_idle(page, timeout=120_000)
    page.get_by_role("combobox", name="Team").click()
    page.get_by_role("option", name=team, exact=True).click()
    page.get_by_label("Task").fill(task)
    page.get_by_role("button", name="Run", exact=True).click()
    page.wait_for_url(re.compile(r"\?run=\d+"), timeout=120_000)
    return int(re.search(r"run=(\d+)", page.url).group(1))  # type: ignore[union-attr]


def run_one(page, url: str, db_url: str, task: Task) -> dict[str, object]:  # type: ignore[no-untyped-def]
    team = TEAM_OF.get(task.key, "Coder + Executor")
    started = time.monotonic()
    run_id = start_run(page, url, team, task.text)
    db = open_database(db_url)
    try:
        while get_run(db, run_id).status in ("created", "running", "waiting_for_input"):
            if time.monotonic() - started > 900:
                break
            time.sleep(1)
        page.get_by_text(re.compile("Completed|Stopped|Failed|Interrupted")).first.wait_for(timeout=120_000)
        seconds = time.monotonic() - started
        status = get_run(db, run_id).status
        events = [stored.event for stored in events_after(db, run_id)]
    finally:
        db.close()
    runs = [e for e in events if isinstance(e, CodeFinished)]
    solved = any(r.exit_code == 0 and task.check(r.output, [a.path for a in r.artifacts]) for r in runs)
    said = [str(e.content or "").strip() for e in events if isinstance(e, MessageSent)][1:]
    why = "solved" if solved else (
        f"run {status}" if status != "completed" else
        "no code" if not runs else "ran, wrong output" if any(r.exit_code == 0 for r in runs) else "code failed"
    )
    if not solved and said and all(s == "TERMINATE" for s in said[:1]):
        why += " (first reply: a bare TERMINATE)"
    return {"task": task.key, "team": team, "solved": solved, "seconds": seconds, "why": why}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", nargs="*", default=[], help="only these tasks (keys)")
    args = parser.parse_args()
    tasks = [t for t in TASKS if not args.tasks or t.key in args.tasks]
    load = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="roundtable-studio-bench-") as folder:
        data = Path(folder)
        db_url = f"sqlite:///{data / 'roundtable.db'}"
        db = open_database(db_url)
        try:
            for team in gallery_teams():
                add_as_is(db, team.key)
        finally:
            db.close()
        results = []
        with studio_server(data, timeout=180) as url, browser_page() as page:
            page.set_default_timeout(120_000)
            for task in tasks:
                result = run_one(page, url, db_url, task)
                print(result, flush=True)
                results.append(result)
    solved = sum(bool(r["solved"]) for r in results)
    seconds = [float(r["seconds"]) for r in results]  # type: ignore[arg-type]
    print(f"load average {load:.1f} -> {os.getloadavg()[0]:.1f}")
    print(f"solved {solved}/{len(results)}; seconds from Run to the finished page: median "
          f"{statistics.median(seconds):.0f}, each {', '.join(f'{s:.0f}' for s in seconds)}")
    for r in results:
        if not r["solved"]:
            print(f"  {r['task']} ({r['team']}): {r['why']}")


if __name__ == "__main__":
    main()
