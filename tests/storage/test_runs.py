"""Sessions and runs: lifecycle, listing, deletion, and recovery after a crashed process."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from components.events import MessageSent
from storage import Database, InUseError, NotFoundError, open_database
from storage.control import new_holder, register_process
from storage.eventlog import append_events, events_after
from storage.runs import (
    create_run,
    create_session,
    delete_run,
    delete_session,
    get_run,
    list_runs,
    list_sessions,
    run_snapshot,
    set_run_status,
)
from tests.storage.helpers import sample_document

ROOT = Path(__file__).resolve().parents[2]


def start_worker(url: str, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "tests.storage.worker", url, *args],
        cwd=ROOT,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def test_a_run_moves_through_its_lifecycle(db: Database) -> None:
    run_id = create_run(db, sample_document(), "Plot AAPL")
    run = get_run(db, run_id)
    assert (run.status, run.team, run.task, run.started_at, run.last_seq) == (
        "created",
        "Research",
        "Plot AAPL",
        None,
        0,
    )
    set_run_status(db, run_id, "running")
    set_run_status(db, run_id, "waiting_for_input")
    set_run_status(db, run_id, "running")
    running = get_run(db, run_id)
    assert running.started_at is not None and running.worker is None
    set_run_status(db, run_id, "failed", error="model unreachable")
    failed = get_run(db, run_id)
    assert failed.status == "failed" and failed.error == "model unreachable"
    assert failed.finished_at is not None and failed.finished_at >= running.started_at
    assert failed.started_at == running.started_at
    assert run_snapshot(db, run_id) == sample_document()
    with pytest.raises(NotFoundError, match="there is no run 999"):
        set_run_status(db, 999, "running")


def test_list_runs_filters_and_orders_newest_first(db: Database) -> None:
    session_id = create_session(db, "Monday")
    first = create_run(db, sample_document(), "one", session_id=session_id)
    second = create_run(db, sample_document("Other"), "two")
    third = create_run(db, sample_document(), "three", session_id=session_id)
    set_run_status(db, third, "completed")
    assert [r.id for r in list_runs(db)] == [third, second, first]
    assert [r.id for r in list_runs(db, team="Research")] == [third, first]
    assert [r.id for r in list_runs(db, statuses=["completed"])] == [third]
    assert [r.id for r in list_runs(db, session_id=session_id)] == [third, first]
    assert [r.id for r in list_runs(db, limit=1, offset=1)] == [second]
    assert [(s.id, s.title) for s in list_sessions(db)] == [(session_id, "Monday")]


def test_deleting_runs_and_sessions(db: Database) -> None:
    session_id = create_session(db, "S")
    holder = new_holder()
    register_process(db, holder, "studio", lease_s=60)
    run_id = create_run(db, sample_document(), "t", session_id=session_id, holder=holder)
    other = create_run(db, sample_document(), "kept")
    append_events(db, run_id, [MessageSent(sender="a", recipient="b", role="user", content="x")] * 3)
    set_run_status(db, run_id, "running")
    with pytest.raises(InUseError, match=f"run {run_id} is still running \\(in {holder}\\); stop it first"):
        delete_run(db, run_id)
    with pytest.raises(InUseError, match=f"session {session_id} has active runs \\(run {run_id}\\)"):
        delete_session(db, session_id)
    set_run_status(db, run_id, "stopped")
    delete_session(db, session_id)
    with pytest.raises(NotFoundError):
        get_run(db, run_id)
    assert events_after(db, run_id) == []
    delete_run(db, other)
    assert list_runs(db) == []


def test_a_process_killed_while_appending_loses_no_committed_event(database_url: str) -> None:
    worker = start_worker(database_url, "run-until-killed")
    assert worker.stdout is not None
    try:
        first = worker.stdout.readline()
        assert first.startswith("run "), worker.stderr.read() if worker.stderr else first
        run_id = int(first.split()[1])
        committed = 0
        while committed < 40:  # kill it mid-stream, whatever it is doing at that moment
            committed = int(worker.stdout.readline())
    finally:
        os.kill(worker.pid, signal.SIGKILL)
        worker.wait()
    db = open_database(database_url)
    try:
        run = get_run(db, run_id)
        stored = events_after(db, run_id)
        assert run.status == "interrupted"
        assert len(stored) >= committed  # every append that returned is there (maybe one more)
        assert [s.seq for s in stored] == list(range(1, len(stored) + 1))
        assert [s.event.content for s in stored] == [f"message {n}" for n in range(len(stored))]
        assert run.last_seq == len(stored)
    finally:
        db.close()


def test_several_processes_append_at_once_without_locking_errors(db: Database, database_url: str) -> None:
    runs = [create_run(db, sample_document(), f"p{i}") for i in range(2)]
    workers = [start_worker(database_url, "append", str(run_id), "100") for run_id in runs]
    results = [worker.communicate(timeout=120) for worker in workers]
    assert [worker.returncode for worker in workers] == [0, 0], results
    for run_id in runs:
        assert [s.seq for s in events_after(db, run_id)] == list(range(1, 101))
