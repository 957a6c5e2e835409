"""ROUNDTABLE_RUNS=workers on the real PostgreSQL with real worker processes started here: runs spread
over workers, stop and answer from other processes, kill -9 of a worker, a run queued before any worker,
SIGTERM, and a clear refusal on SQLite."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from components.events import MessageSent
from components.llm.scripted import hang, say
from storage import open_database
from storage.control import run_control
from storage.eventlog import events_after
from storage.runs import get_run
from studio.runs.engine import RunEngine
from studio.runs.mode import RunsModeError
from studio.runs.queue import QUEUE
from studio.runs.service import continue_run
from tests.studio_runs.conftest import coder_team
from tests.studio_runs.processes import LEASE_S, cli, cli_env, team_file
from tests.workers.conftest import ROOT, wait_until

KEYS = None  # workers resolve keys themselves (OPENAI_API_KEY in their environment)


def _status(db, run_id: int) -> str:  # type: ignore[no-untyped-def]
    return get_run(db, run_id).status


def _job(db, job_id: int) -> tuple[str, int]:  # type: ignore[no-untyped-def]
    """(status, attempts) of a Procrastinate job, read from its table."""
    with db.read_cursor() as cursor:
        cursor.execute("SELECT status, attempts FROM procrastinate_jobs WHERE id = %s", (job_id,))
        status, attempts = cursor.fetchone()
    return str(status), int(attempts)


def test_workers_mode_on_sqlite_refuses_clearly(tmp_path) -> None:  # type: ignore[no-untyped-def]
    url = f"sqlite:///{tmp_path / 'local.db'}"
    worker = cli(tmp_path, url, "worker")
    assert worker.returncode == 2
    assert "ROUNDTABLE_RUNS=workers needs PostgreSQL" in worker.stderr and "Traceback" not in worker.stderr
    env = {**cli_env(tmp_path, url), "ROUNDTABLE_RUNS": "workers"}
    team = team_file(tmp_path, coder_team("http://127.0.0.1:9"))
    run = subprocess.run([sys.executable, "-m", "studio", "run", "--team", str(team), "--task", "x", "--detach"],
                         cwd=ROOT, env=env, text=True, capture_output=True, timeout=120)
    assert run.returncode == 2 and "needs PostgreSQL" in run.stderr and "SQLite file" in run.stderr
    db = open_database(url)
    with pytest.raises(RunsModeError, match="unset ROUNDTABLE_RUNS to run conversations inside this process"):
        RunEngine(db, tmp_path / "data", mode="workers")
    db.close()


def test_runs_spread_over_two_workers(studio, start_worker, llm) -> None:  # type: ignore[no-untyped-def]
    db, engine = studio
    first, second = start_worker(concurrency=1), start_worker(concurrency=1)
    for n in range(4):
        llm.script(f"m{n}", [say(f"reply {n}", delay_s=1.0), "TERMINATE"])
    run_ids = [engine.start(coder_team(llm.url, model=f"m{n}"), f"task {n}") for n in range(4)]
    for run_id in run_ids:
        # generous: each worker process imports litellm before its first run (slow on a loaded machine)
        try:
            wait_until(lambda r=run_id: _status(db, r) == "completed", 180, f"run {run_id} completed")
        except AssertionError:
            print("statuses:", [(r, _status(db, r)) for r in run_ids], "\nworkers:", first.output, second.output)
            raise
    workers = {get_run(db, run_id).worker for run_id in run_ids}
    assert workers == {first.holder, second.holder}, (first.output, second.output)
    for n, run_id in enumerate(run_ids):
        messages = [e.event.content for e in events_after(db, run_id) if isinstance(e.event, MessageSent)]
        assert messages[:2] == [f"task {n}", f"reply {n}"]


def test_stop_from_another_process_while_a_run_is_on_a_worker(tmp_path, pg_url, studio, start_worker, llm) -> None:  # type: ignore[no-untyped-def]
    db, engine = studio
    worker = start_worker()
    llm.script("writer", [hang(60)])
    run_id = engine.start(coder_team(llm.url, timeout=120), "think hard")
    wait_until(lambda: any(e.kind == "message" for e in events_after(db, run_id)), 60, "the first message")
    assert get_run(db, run_id).worker == worker.holder and not engine.is_active(run_id)
    stopped = cli(tmp_path, pg_url, "stop", str(run_id))  # another process
    assert stopped.returncode == 0, stopped.stderr
    assert f"run #{run_id}: stopped: stopped from the command line" in stopped.stdout


def test_answer_from_another_process_reaches_a_run_on_a_worker(tmp_path, pg_url, studio, start_worker, llm) -> None:  # type: ignore[no-untyped-def]
    db, engine = studio
    start_worker()
    llm.script("writer", ["Shall I go on?", "TERMINATE"])
    run_id = engine.start(coder_team(llm.url, executor_mode="ALWAYS"), "start")
    wait_until(lambda: engine.pending(run_id), 60, "a question")
    question = engine.pending(run_id)
    answered = cli(tmp_path, pg_url, "answer", str(run_id), "yes please")
    assert answered.returncode == 0, answered.stderr
    wait_until(lambda: (p := engine.pending(run_id)) and p.request_id != question.request_id, 60, "a second question")
    assert engine.answer(run_id, engine.pending(run_id).request_id, "exit")  # the studio answers this one
    wait_until(lambda: _status(db, run_id) == "completed", 60, "completion")
    messages = [e.event.content for e in events_after(db, run_id) if isinstance(e.event, MessageSent)]
    assert messages == ["start", "Shall I go on?", "yes please", "TERMINATE"]


def test_a_killed_worker_leaves_an_interrupted_run_that_continues(studio, start_worker, llm) -> None:  # type: ignore[no-untyped-def]
    db, engine = studio
    worker = start_worker()
    llm.script("writer", ["```python\nprint('first block ran')\n```", hang(60), "TERMINATE"])
    run_id = engine.start(coder_team(llm.url, timeout=120), "work")
    wait_until(lambda: any(e.kind == "code_finished" for e in events_after(db, run_id)), 60, "code to run")
    # killed while the model "thinks": its second request (the hang) has arrived, so Continue gets "TERMINATE"
    wait_until(lambda: len(llm.requests_for("writer")) >= 2, 60, "the model asked again")
    time.sleep(0.5)
    before = [e.kind for e in events_after(db, run_id)]
    job_id = run_control(db, run_id).launch["job_id"]
    assert _job(db, job_id) == ("doing", 0)
    os.kill(worker.process.pid, signal.SIGKILL)
    killed = time.monotonic()
    wait_until(lambda: _status(db, run_id) == "interrupted", 30, "interrupted")
    assert time.monotonic() - killed < float(LEASE_S) + 5
    assert [e.kind for e in events_after(db, run_id)] == before
    assert get_run(db, run_id).error == "the process running it stopped before it finished"
    # its Procrastinate job does not stay "doing": the sweeper finishes it as failed, which is never retried
    wait_until(lambda: _job(db, job_id)[0] != "doing", 30, "the dead worker's job finished")
    assert _job(db, job_id) == ("failed", 1)

    start_worker()  # Continue goes to the queue like any run
    follow = continue_run(db, engine, run_id, "please go on")
    wait_until(lambda: _status(db, follow) == "completed", 60, "the continued run")
    contents = [e.event.content for e in events_after(db, follow) if isinstance(e.event, MessageSent)]
    assert contents[0] == "work" and contents[-2:] == ["please go on", "TERMINATE"]
    assert _job(db, job_id) == ("failed", 1)  # a new worker did not take the old job up again
    assert [e.kind for e in events_after(db, run_id)] == before and _status(db, run_id) == "interrupted"


def test_a_job_whose_worker_died_before_claiming_its_run_is_queued_again(studio, start_worker, llm) -> None:  # type: ignore[no-untyped-def]
    """The window between a worker taking a job and claiming its run is too short to hit by killing a
    real process, so the dead worker is played with Procrastinate's own SQL: it registers, takes the job
    exactly as a worker does (``fetch_job``), and never sends a heartbeat again."""
    from procrastinate import sql

    db, engine = studio
    llm.script("writer", ["TERMINATE"])
    run_id = engine.start(coder_team(llm.url), "taken by a worker that died")
    job_id = run_control(db, run_id).launch["job_id"]
    with db.write_cursor() as cursor:
        cursor.execute(sql.queries["register_worker"])
        dead_worker = cursor.fetchone()[0]
        cursor.execute(sql.queries["fetch_job"], {"queues": [QUEUE], "worker_id": dead_worker})
        assert cursor.fetchone()[0] == job_id
    assert _job(db, job_id) == ("doing", 0) and _status(db, run_id) == "created"
    worker = start_worker()  # its sweeps notice the dead worker's job and put it back on the queue
    wait_until(lambda: _status(db, run_id) == "completed", float(LEASE_S) * 3 + 60, "completion")
    assert get_run(db, run_id).worker == worker.holder
    assert _job(db, job_id) == ("succeeded", 2)  # put back once (+1), then done by the live worker (+1)
    messages = [e.event.content for e in events_after(db, run_id) if isinstance(e.event, MessageSent)]
    assert messages == ["taken by a worker that died", "TERMINATE"] and len(llm.requests_for("writer")) == 1


def test_a_run_queued_with_no_worker_starts_when_one_comes(studio, start_worker, llm) -> None:  # type: ignore[no-untyped-def]
    db, engine = studio
    llm.script("writer", ["TERMINATE"])
    run_id = engine.start(coder_team(llm.url), "wait for me")
    time.sleep(float(LEASE_S) + 2)  # longer than a lease: a queued run is not mistaken for a dead one
    assert _status(db, run_id) == "created" and get_run(db, run_id).worker is None
    worker = start_worker()
    wait_until(lambda: _status(db, run_id) == "completed", 60, "completion")
    assert get_run(db, run_id).worker == worker.holder


def test_sigterm_stops_the_runs_in_hand_and_records_them(studio, start_worker, llm) -> None:  # type: ignore[no-untyped-def]
    db, engine = studio
    worker = start_worker()
    llm.script("writer", [hang(60)])
    run_id = engine.start(coder_team(llm.url, timeout=120), "long")
    wait_until(lambda: any(e.kind == "message" for e in events_after(db, run_id)), 60, "the first message")
    assert worker.terminate(timeout=20) == 0, worker.output
    run = get_run(db, run_id)
    assert run.status == "stopped" and "the worker running it was shut down (SIGTERM)" in run.error
    assert f"worker {worker.holder} stopped" in worker.output
