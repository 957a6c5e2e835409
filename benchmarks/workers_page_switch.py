"""Page switch time of the real studio while 20 runs are active, local mode against workers mode.

    python -m benchmarks.workers_page_switch [--active 20] [--rounds 3] [--postgres-url URL] [--pin]

(also run by ``python -m benchmarks.workers --page-switch``). For each mode, in a fresh PostgreSQL schema:
the studio (``streamlit run studio/app.py``, ``ROUNDTABLE_RUNS=local`` or ``workers``) is opened in
headless Chromium, every design page once to warm up, then page switches are timed idle (no run), then
``--active`` runs are started from the Playground like a user does (local: threads of the studio
process; workers: queued for 2 ``python -m studio worker`` processes with enough slots), and the same
switches are timed again while they run. A switch is timed in the page's own clock, from the click on
the sidebar link to the frame in which the new page is complete (``benchmarks.studio_startup``). Each
run is a round-robin chat of two streaming assistants on the scripted model, 300 ms per answer, long
enough to outlast the measurement; they are stopped afterwards. Also printed: the CPU the studio process
itself used during each phase (in cores), which tells the studio's own work from the machine's.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from components.llm.scripted import ScriptedLLMServer, say
from storage import Database, open_database
from storage.control import request_stop
from storage.designs import save_agent, save_model, save_team
from storage.documents import AgentSpec, ModelSpec, TeamSpec
from storage.errors import RunStateError
from storage.runs import list_runs

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.studio_startup import (  # noqa: E402
    CLICK_CLOCK,
    DESIGN_PAGES,
    cpu_seconds,
    rendered,
    wait_cpu_idle,
    wait_healthy,
)
from benchmarks.workers import fresh_schema, pct, start_workers, stop_workers  # noqa: E402
from tests.support.studio import choose, chromium, free_port, new_page, open_sidebar, wait_until_idle  # noqa: E402

TEAM = "Long chat"
ACTIVE = ("running", "waiting_for_input")


def seed(db: Database, api_base: str) -> None:
    """A round-robin chat of two streaming assistants that goes on for ~10 minutes at 300 ms a turn."""
    save_model(db, ModelSpec(name="Scripted", model="openai/bench", api_base=api_base, stream=True,
                             extra={"max_retries": 0}))
    for name in ("a", "b"):
        save_agent(db, AgentSpec(name=name, kind="assistant", model="Scripted"))
    save_agent(db, AgentSpec(name="user", kind="user_proxy", human_input_mode="NEVER"))
    save_team(db, TeamSpec(name=TEAM, kind="group", members=["user", "a", "b"], initiator="user",
                           speaker_selection="round_robin", max_round=2000))


@contextmanager
def studio(url: str, data: Path, mode: str) -> Iterator[tuple[subprocess.Popen[bytes], str]]:
    port = free_port()
    env = {**os.environ, "ROUNDTABLE_DATA_DIR": str(data), "ROUNDTABLE_DATABASE_URL": url, "ROUNDTABLE_RUNS": mode,
           "OPENAI_API_KEY": "sk-bench"}
    process = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(ROOT / "studio" / "app.py"), "--server.port", str(port),
         "--server.address", "127.0.0.1", "--server.headless", "true", "--browser.gatherUsageStats", "false",
         "--server.fileWatcherType", "none"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(base, process)
        yield process, base
    finally:
        process.terminate()
        process.wait(timeout=30)


def switches(page, rounds: int, pid: int | None = None) -> tuple[list[float], float]:  # type: ignore[no-untyped-def]
    """Switch times, and the CPU the studio process ``pid`` used meanwhile (in cores)."""
    times = []
    cpu, started = cpu_seconds(pid) if pid else 0.0, time.monotonic()
    for _ in range(rounds):
        for title in DESIGN_PAGES:
            page.get_by_test_id("stSidebarNavLink").filter(has_text=title).click()
            rendered(page, title)
            times.append(page.evaluate("(window.__doneAt - window.__clickAt) / 1000"))
    return times, ((cpu_seconds(pid) - cpu) / (time.monotonic() - started) if pid else 0.0)


def start_runs(browser, base: str, count: int) -> None:  # type: ignore[no-untyped-def]
    """Start ``count`` runs from the Playground, as a user would (Team, Task, Run)."""
    page = new_page(browser)
    try:
        for number in range(count):
            page.goto(base)
            wait_until_idle(page)
            open_sidebar(page)
            chooser = page.locator('[data-testid="stSelectbox"]').filter(has=page.get_by_role("combobox", name="Team"))
            if chooser.inner_text().strip().splitlines()[-1:] != [TEAM]:
                choose(page, page.get_by_role("combobox", name="Team"), TEAM)
            page.get_by_label("Task").fill(f"talk {number}")
            page.get_by_role("button", name="Run", exact=True).click()
            page.wait_for_url(re.compile(r"\?run=\d+"))
    finally:
        page.close()


def active_runs(db: Database) -> list[int]:
    return [run.id for run in list_runs(db, limit=500) if run.status in ACTIVE]


def measure(pg_url: str, scratch: Path, api_base: str, mode: str, count: int, rounds: int,
            pin: bool = False) -> dict[str, object]:
    """``pin``: workers on CPU 1, the studio, Chromium and this process on CPU 0 (two hosts, roughly)."""
    with fresh_schema(pg_url) as url:
        db = open_database(url)
        seed(db, api_base)
        workers = start_workers(url, 2, (count + 1) // 2, scratch / f"{mode}-workers") if mode == "workers" else []
        if pin:
            os.sched_setaffinity(0, {0})  # inherited by the studio and Chromium started below
            for worker in workers:
                os.sched_setaffinity(worker.pid, {1})
        try:
            with studio(url, scratch / mode, mode) as (process, base), chromium() as browser:
                page = new_page(browser)
                page.goto(base)
                rendered(page, "Playground")
                page.evaluate(CLICK_CLOCK)
                switches(page, 1)  # warm-up: each page once
                wait_cpu_idle(process.pid)  # the studio's background litellm import is over
                idle, idle_cpu = switches(page, rounds, process.pid)
                start_runs(browser, base, count)
                deadline = time.monotonic() + 120
                while len(active_runs(db)) < count and time.monotonic() < deadline:
                    time.sleep(0.2)
                before = len(active_runs(db))
                busy, busy_cpu = switches(page, rounds, process.pid)
                after = len(active_runs(db))
                page.close()
        finally:
            for run_id in active_runs(db) + [r.id for r in list_runs(db, limit=500) if r.status == "created"]:
                try:
                    request_stop(db, run_id, "benchmark over")
                except RunStateError:
                    pass
            time.sleep(1.0)
            stop_workers(workers)
            db.close()
    return {"idle": idle, "busy": busy, "active": (before, after), "cpu": (idle_cpu, busy_cpu)}


def summary(values: list[float]) -> str:
    return f"{statistics.median(values):.2f} / {pct(values, .95):.2f}"


def report(results: dict[str, dict[str, object]], count: int) -> None:
    print(f"page switch (median / p95 s), idle and with {count} active runs")
    print(f"{'mode':<10} {'idle':>13} {'active':>13} {'ratio':>6} {'studio CPU idle/active':>23} "
          f"{'runs active (before/after)':>27}")
    for mode, result in results.items():
        idle, busy, (before, after) = result["idle"], result["busy"], result["active"]  # type: ignore[misc]
        idle_cpu, busy_cpu = result["cpu"]  # type: ignore[misc]
        ratio = statistics.median(busy) / statistics.median(idle)  # type: ignore[arg-type]
        print(f"{mode:<10} {summary(idle):>13} {summary(busy):>13} {ratio:>5.2f}x "  # type: ignore[arg-type]
              f"{f'{idle_cpu:.2f} / {busy_cpu:.2f} cores':>23} {f'{before}/{after}':>27}")


def run(pg_url: str, count: int, rounds: int, pin: bool = False) -> None:
    everywhere = os.sched_getaffinity(0)
    with ScriptedLLMServer() as llm, tempfile.TemporaryDirectory() as scratch:
        llm.default = lambda body: say("ok, go on", delay_s=0.3)
        try:
            results = {mode: measure(pg_url, Path(scratch), llm.url, mode, count, rounds, pin)
                       for mode in ("local", "workers")}
        finally:
            os.sched_setaffinity(0, everywhere)
    report(results, count)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--active", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=3, help="switches to each design page per phase")
    parser.add_argument("--postgres-url", default=os.environ.get("ROUNDTABLE_TEST_POSTGRES_URL"))
    parser.add_argument("--pin", action="store_true",
                        help="workers on CPU 1, studio and browser on CPU 0: the studio's host apart from the workers'")
    args = parser.parse_args()
    if not args.postgres_url:
        raise SystemExit("give --postgres-url or set ROUNDTABLE_TEST_POSTGRES_URL")
    run(args.postgres_url, args.active, args.rounds, args.pin)


if __name__ == "__main__":
    main()
