"""Experiments benchmark: one experiment of 60 runs (10 tasks x 2 models x 3 repeats) on a scripted model
that answers every call after 300 ms, run locally and on 2 worker processes.

    python -m benchmarks.experiments [--postgres-url URL] [--tasks 10] [--repeats 3] [--concurrency 2]

Each run is a two-agent chat (asker -> solver) of two model turns, scored by a "contains" check as it
ends. Local: the experiment's scheduler starts at most 4 runs at once as threads of this process (the
default), on SQLite and on PostgreSQL. Workers: ``ROUNDTABLE_RUNS=workers`` semantics, this process only
enqueues and scores; 2 real ``python -m studio worker`` processes with ``--concurrency`` slots each
execute, after a few warm-up runs (a worker imports litellm in its first run). Wall time counts from
the experiment's start to its last score; score lag is the time from a
run's end (its ``finished_at``) to its score being stored. PostgreSQL runs in a fresh schema
(``$ROUNDTABLE_TEST_POSTGRES_URL`` by default), dropped afterwards.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

from benchmarks.workers import fresh_schema, start_workers, stop_workers
from components.llm.scripted import ScriptedLLMServer, say
from storage import Database, open_database
from storage.designs import save_agent, save_model, save_team
from storage.documents import AgentSpec, ModelSpec, TeamSpec
from storage.experiment_documents import CheckSpec, TaskSpec
from storage.experiments import create_experiment, experiment_cells, save_task_set
from storage.runs import get_run
from studio.experiments.plan import plan_experiment
from studio.experiments.scheduler import ExperimentRunner
from studio.runs.engine import RunEngine


def model(name: str, api_base: str) -> ModelSpec:
    return ModelSpec(name=name, model=f"openai/{name}", api_base=api_base, stream=False, extra={"max_retries": 0})


def seed(db: Database, api_base: str, tasks: int) -> None:
    for name in ("fast", "other"):
        save_model(db, model(name, api_base))
    save_agent(db, AgentSpec(name="solver", kind="assistant", model="fast"))
    save_agent(db, AgentSpec(name="asker", kind="user_proxy", human_input_mode="NEVER", default_auto_reply="go on"))
    save_team(db, TeamSpec(name="Solver", kind="two_agent", members=["asker", "solver"], initiator="asker",
                           max_turns=2))
    save_task_set(db, "bench", [TaskSpec(text=f"task {n}", checks=[CheckSpec(kind="contains", value="answer")])
                                for n in range(tasks)])


def warm_up(db: Database, engine: RunEngine, runs: int) -> None:
    """Runs before the clock starts, so every worker has imported litellm (its first run does)."""
    from storage.designs import resolve_team

    run_ids = [engine.start(resolve_team(db, "Solver"), "warm up") for _ in range(runs)]
    for run_id in run_ids:
        engine.wait(run_id, 300)


def experiment(db: Database, engine: RunEngine, data: Path, repeats: int) -> tuple[float, list[float], int]:
    from storage.experiments import get_task_set

    spec = plan_experiment(db, ["Solver"], get_task_set(db, "bench"), models=["fast", "other"], repeats=repeats)
    made = create_experiment(db, "bench", spec)
    lags: list[float] = []
    record = lambda cell, score: lags.append(time.time() - (get_run(db, cell.run_id).finished_at or 0))  # noqa: E731
    started = time.monotonic()
    done = ExperimentRunner(db, engine, data, on_score=record).run(made.id)
    wall = time.monotonic() - started
    cells = experiment_cells(db, made.id)
    assert done.status == "completed", done.error
    passed = sum(1 for c in cells if c.passed)
    assert len(cells) == len(lags), (len(cells), len(lags))
    return wall, lags, passed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tasks", type=int, default=10)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--concurrency", type=int, default=2, help="slots per worker")
    parser.add_argument("--postgres-url", default=os.environ.get("ROUNDTABLE_TEST_POSTGRES_URL"))
    args = parser.parse_args()
    if not args.postgres_url:
        raise SystemExit("give --postgres-url or set ROUNDTABLE_TEST_POSTGRES_URL")
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    runs = args.tasks * 2 * args.repeats
    from components.llm.litellm_loader import get_litellm

    get_litellm()  # imported before the clock starts, as in a studio that has been up a while
    rows: list[tuple[str, float, list[float], int]] = []
    with ScriptedLLMServer() as llm, tempfile.TemporaryDirectory() as scratch:
        llm.default = lambda body: say("the answer is 42", delay_s=0.3)
        db = open_database(f"sqlite:///{scratch}/bench.db")
        seed(db, llm.url, args.tasks)
        local = RunEngine(db, Path(scratch) / "sqlite")
        rows.append(("local, SQLite (4 at once)", *experiment(db, local, Path(scratch) / "sqlite", args.repeats)))
        local.close()
        db.close()
        with fresh_schema(args.postgres_url) as url:
            db = open_database(url)
            seed(db, llm.url, args.tasks)
            local = RunEngine(db, Path(scratch) / "pg")
            rows.append(("local, PostgreSQL (4 at once)", *experiment(db, local, Path(scratch) / "pg", args.repeats)))
            local.close()
            studio = RunEngine(db, Path(scratch) / "studio", mode="workers")
            workers = start_workers(url, 2, args.concurrency, Path(scratch) / "workers")
            try:
                warm_up(db, studio, 2 * args.concurrency)
                label = f"2 workers x {args.concurrency} slots, PostgreSQL"
                rows.append((label, *experiment(db, studio, Path(scratch) / "studio", args.repeats)))
            finally:
                stop_workers(workers)
                studio.close()
                db.close()
    print(f"one experiment of {runs} runs ({args.tasks} tasks x 2 models x {args.repeats} repeats), "
          "2 model turns per run, 300 ms per model call")
    print(f"{'where':<36} {'wall s':>7} {'runs/min':>9} {'score lag p50/max ms':>21} {'passed':>7}")
    for label, wall, lags, passed in rows:
        lag = f"{statistics.median(lags) * 1000:.0f} / {max(lags) * 1000:.0f}"
        print(f"{label:<36} {wall:>7.1f} {runs / wall * 60:>9.1f} {lag:>21} {passed:>4}/{runs}")


if __name__ == "__main__":
    main()
