"""Workers benchmark: throughput of local mode and of 1, 2 and 4 worker processes, stop and answer
latency across processes, and how soon an event of a run on a worker can reach a page.

    python -m benchmarks.workers [--runs 40] [--postgres-url URL] [--concurrency 2] [--samples 10]
                                 [--model-delay 0.3]

Every run is a round-robin group chat of a user proxy and two assistants, 7 messages of which 4 are
model calls; the scripted model answers each call after 300 ms (a provider's latency; ``--model-delay``
sets another, e.g. a slow model's 3 s, where the runs wait on the model rather than on this machine's
CPUs). Local mode executes the runs as threads of this process (litellm imported first, as the studio
does in the background); workers mode starts real ``python -m studio worker`` processes
(``--concurrency`` slots each) and this process only enqueues. Runs/minute counts from the first start
to the last completion; scaling efficiency is runs/minute with N workers divided by N times the 1-worker
figure. Stop and answer are asked from this process of runs held by a worker (the control plane's path)
and timed until the run's status shows the effect. Event-to-page: the time from an event's publication
on the worker to its arrival in this process polling "events after seq N" every 0.1 s, as the live page
does. Everything runs in a fresh schema of the PostgreSQL database (``$ROUNDTABLE_TEST_POSTGRES_URL`` by
default), dropped afterwards. ``--page-switch`` adds the studio's page switch time with 20 active runs,
local vs workers (``benchmarks.workers_page_switch``, real Chromium).
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, text

from components.llm.litellm_loader import get_litellm
from components.llm.scripted import ScriptedLLMServer, hang, say
from storage import Database, open_database
from storage.control import request_stop, send_answer
from storage.documents import AgentSpec, ModelSpec, TeamDocument, TeamSpec
from storage.eventlog import events_after
from storage.runs import get_run
from studio.runs.engine import RunEngine

ROOT = Path(__file__).resolve().parent.parent
DONE = ("completed", "stopped", "failed", "interrupted")


def team(api_base: str, human: bool = False) -> TeamDocument:
    model = ModelSpec(name="Scripted", model="openai/bench", api_base=api_base, extra={"max_retries": 0})
    if human:  # a two-agent chat whose user proxy asks the human at every turn
        return TeamDocument(
            team=TeamSpec(name="Asks", kind="two_agent", members=["user", "a"], initiator="user"),
            agents=[AgentSpec(name="user", kind="user_proxy", human_input_mode="ALWAYS"),
                    AgentSpec(name="a", kind="assistant", model="Scripted")],
            models=[model])
    return TeamDocument(
        team=TeamSpec(name="Round robin", kind="group", members=["user", "a", "b"], initiator="user",
                      speaker_selection="round_robin", max_round=7),
        agents=[AgentSpec(name="user", kind="user_proxy", human_input_mode="NEVER"),
                AgentSpec(name="a", kind="assistant", model="Scripted"),
                AgentSpec(name="b", kind="assistant", model="Scripted")],
        models=[model])


@contextmanager
def fresh_schema(url: str) -> Iterator[str]:
    admin = create_engine(url)
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield admin.url.update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(hide_password=False)
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def start_workers(url: str, count: int, concurrency: int, data: Path) -> list[subprocess.Popen[str]]:
    env = {**os.environ, "ROUNDTABLE_DATABASE_URL": url, "ROUNDTABLE_DATA_DIR": str(data), "OPENAI_API_KEY": "sk-bench"}
    workers = [subprocess.Popen([sys.executable, "-m", "studio", "worker", "--concurrency", str(concurrency)],
                                cwd=ROOT, env=env, text=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
               for _ in range(count)]
    for worker in workers:
        assert worker.stdout is not None
        while " takes runs from " not in (line := worker.stdout.readline()):
            if not line:
                raise SystemExit("a worker did not start")
    return workers


def stop_workers(workers: list[subprocess.Popen[str]]) -> None:
    for worker in workers:
        worker.send_signal(signal.SIGTERM)
    for worker in workers:
        worker.wait(30)


def wait_all(db: Database, run_ids: list[int], timeout: float = 600) -> None:
    deadline = time.monotonic() + timeout
    for run_id in run_ids:
        while get_run(db, run_id).status not in DONE:
            if time.monotonic() > deadline:
                raise SystemExit(f"run {run_id} did not finish")
            time.sleep(0.05)


def throughput(db: Database, engine: RunEngine, api_base: str, runs: int) -> float:
    started = time.monotonic()
    run_ids = [engine.start(team(api_base), f"task {n}", api_keys={"Scripted": "sk-bench"}) for n in range(runs)]
    wait_all(db, run_ids)
    assert all(get_run(db, r).status == "completed" for r in run_ids), [get_run(db, r).error for r in run_ids]
    return runs / ((time.monotonic() - started) / 60)


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def control_latency(db: Database, engine: RunEngine, llm: ScriptedLLMServer, samples: int) -> tuple[list[float], list[float]]:
    stops, answers = [], []
    for _ in range(samples):
        llm.script("bench", [hang(60)])
        run_id = engine.start(team(llm.url), "hang")
        while not any(e.kind == "message" for e in events_after(db, run_id)):
            time.sleep(0.01)
        time.sleep(0.3)
        asked = time.monotonic()
        request_stop(db, run_id, "benchmark")
        while get_run(db, run_id).status not in DONE:
            time.sleep(0.005)
        stops.append(time.monotonic() - asked)
        llm.script("bench", [say("Go on?"), say("TERMINATE")])
        run_id = engine.start(team(llm.url, human=True), "ask")
        while get_run(db, run_id).status != "waiting_for_input":
            time.sleep(0.005)
        asked = time.monotonic()
        send_answer(db, run_id, "yes")
        while get_run(db, run_id).status == "waiting_for_input":
            time.sleep(0.005)
        answers.append(time.monotonic() - asked)
        request_stop(db, run_id, "benchmark")
        wait_all(db, [run_id])
    llm.script("bench", [])
    return stops, answers


def event_to_page(db: Database, engine: RunEngine, api_base: str, runs: int) -> list[float]:
    latencies: list[float] = []
    for n in range(runs):
        run_id = engine.start(team(api_base), f"watch {n}")
        last = 0
        while True:
            status = get_run(db, run_id).status
            for stored in events_after(db, run_id, last):
                latencies.append(time.time() - stored.ts)
                last = stored.seq
            if status in DONE:
                break
            time.sleep(0.1)  # the live page's poll interval
    return latencies


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--concurrency", type=int, default=2, help="slots per worker")
    parser.add_argument("--samples", type=int, default=10)
    parser.add_argument("--model-delay", type=float, default=0.3, help="seconds the scripted model takes per call")
    parser.add_argument("--postgres-url", default=os.environ.get("ROUNDTABLE_TEST_POSTGRES_URL"))
    parser.add_argument("--page-switch", action="store_true",
                        help="also time the studio's page switch with 20 active runs (benchmarks.workers_page_switch)")
    args = parser.parse_args()
    if not args.postgres_url:
        raise SystemExit("give --postgres-url or set ROUNDTABLE_TEST_POSTGRES_URL")
    os.environ["OPENAI_API_KEY"] = "sk-bench"
    load_before = os.getloadavg()[0]
    with ScriptedLLMServer() as llm, tempfile.TemporaryDirectory() as scratch:
        llm.default = lambda body: say("ok", delay_s=args.model_delay)
        rows: list[tuple[str, float]] = []
        with fresh_schema(args.postgres_url) as url:
            db = open_database(url)
            get_litellm()  # as the studio does in the background and a worker before it takes runs
            local = RunEngine(db, Path(scratch) / "local", mode="local")
            rows.append(("local (threads of one process)", throughput(db, local, llm.url, args.runs)))
            local.close()
            studio = RunEngine(db, Path(scratch) / "studio", mode="workers")
            for count in (1, 2, 4):
                workers = start_workers(url, count, args.concurrency, Path(scratch) / f"w{count}")
                try:
                    rows.append((f"{count} worker(s) x {args.concurrency} slots", throughput(db, studio, llm.url, args.runs)))
                    if count == 1:
                        stops, answers = control_latency(db, studio, llm, args.samples)
                        page = event_to_page(db, studio, llm.url, 3)
                finally:
                    stop_workers(workers)
            studio.close()
            db.close()
    one = rows[1][1]
    print(f"{args.runs} runs of 4 model calls (7 messages), {args.model_delay * 1000:.0f} ms per model call, PostgreSQL, "
          f"load average {load_before:.1f} -> {os.getloadavg()[0]:.1f}")
    print(f"{'mode':<34} {'runs/min':>9} {'efficiency':>11}")
    for (label, rate), count in zip(rows, (0, 1, 2, 4), strict=True):
        efficiency = f"{rate / (count * one):.2f}" if count else ""
        print(f"{label:<34} {rate:>9.1f} {efficiency:>11}")
    print(f"stop latency across processes:   p50 {pct(stops, .5) * 1000:.0f} ms, p95 {pct(stops, .95) * 1000:.0f} ms"
          f" ({len(stops)} samples)")
    print(f"answer latency across processes: p50 {pct(answers, .5) * 1000:.0f} ms, p95 {pct(answers, .95) * 1000:.0f} ms")
    print(f"event-to-page (worker -> poller): median {statistics.median(page) * 1000:.0f} ms, "
          f"p95 {pct(page, .95) * 1000:.0f} ms ({len(page)} events)")
    if args.page_switch:
        from benchmarks.workers_page_switch import run

        run(args.postgres_url, 20, 3)


if __name__ == "__main__":
    main()
