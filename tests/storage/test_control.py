"""The control plane in the database (SQLite and PostgreSQL): leases, claims, stop requests, answers."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import select

from components.events import MessageSent
from storage import Database, NotFoundError, RunStateError
from storage.control import (
    INTERRUPTED_ERROR,
    claim_run,
    db_now,
    interrupt_lapsed_runs,
    lease_seconds,
    live_processes,
    new_holder,
    poll_held,
    register_process,
    request_stop,
    run_control,
    send_answer,
    set_pending,
    unregister_process,
)
from storage.eventlog import append_events, events_after
from storage.runs import create_run, get_run, set_run_status
from tests.storage.helpers import sample_document

QUESTION = {"agent": "user", "sender": "coder", "prompt": "Go on?", "request_id": "q1"}


def _running(db: Database, holder: str | None) -> int:
    run_id = create_run(db, sample_document(), "task", holder=holder)
    set_run_status(db, run_id, "running")
    return run_id


def test_the_database_clock_is_unix_time(db: Database) -> None:
    with db.read() as session:
        clock = session.exec(select(db_now(db))).one()  # type: ignore[call-overload]
    assert abs(float(clock[0]) - time.time()) < 5


def test_holders_are_unique_and_the_lease_length_is_configurable() -> None:
    assert new_holder() != new_holder()
    assert lease_seconds({}) == 15 and lease_seconds({"ROUNDTABLE_LEASE_S": "2.5"}) == 2.5
    with pytest.raises(ValueError, match="ROUNDTABLE_LEASE_S='soon' is not a number of seconds"):
        lease_seconds({"ROUNDTABLE_LEASE_S": "soon"})


def test_a_run_is_claimed_by_one_process_only(db: Database) -> None:
    first, second = new_holder(), new_holder()
    run_id = create_run(db, sample_document(), "task")
    assert run_control(db, run_id).holder is None and get_run(db, run_id).worker is None
    assert claim_run(db, run_id, first)
    assert not claim_run(db, run_id, second)
    control = run_control(db, run_id)
    assert control.holder == first and control.host == first.rsplit(":", 2)[0]
    assert get_run(db, run_id).worker == first
    ended = create_run(db, sample_document(), "task")
    set_run_status(db, ended, "stopped")
    assert not claim_run(db, ended, first)  # never start a run that already ended


def test_a_lapsed_lease_interrupts_its_runs_keeping_events_and_a_live_one_does_not(db: Database) -> None:
    dying, living = new_holder(), new_holder()
    register_process(db, dying, "worker", lease_s=2)
    register_process(db, living, "worker", lease_s=60)
    lost = _running(db, dying)
    waiting = _running(db, dying)
    set_run_status(db, waiting, "waiting_for_input")
    kept = _running(db, living)
    orphan = _running(db, None)  # running but held by nobody (left by an older version)
    queued = create_run(db, sample_document(), "not started yet")
    append_events(db, lost, [MessageSent(sender="a", recipient="b", role="user", content=f"m{i}") for i in range(3)])
    assert interrupt_lapsed_runs(db) == [orphan]
    time.sleep(2.5)
    assert interrupt_lapsed_runs(db) == sorted([lost, waiting])
    assert get_run(db, lost).status == "interrupted" and get_run(db, lost).error == INTERRUPTED_ERROR
    assert get_run(db, waiting).status == "interrupted"
    assert [e.event.content for e in events_after(db, lost)] == ["m0", "m1", "m2"]
    assert get_run(db, kept).status == "running"
    assert get_run(db, queued).status == "created"
    register_process(db, living, "worker", lease_s=60)  # a heartbeat renews the lease
    assert interrupt_lapsed_runs(db) == []


def test_stop_requests_reach_the_holder_or_stop_a_run_not_started(db: Database) -> None:
    holder = new_holder()
    register_process(db, holder, "studio", lease_s=60)
    queued = create_run(db, sample_document(), "queued")
    assert request_stop(db, queued, "no longer needed") == "stopped"
    assert (get_run(db, queued).status, get_run(db, queued).error) == ("stopped", "no longer needed")
    assert not claim_run(db, queued, holder)

    running = _running(db, holder)
    assert poll_held(db, holder, [running])[0][0].stop_reason is None
    assert request_stop(db, running, "enough") == "stopping"
    held, answers = poll_held(db, holder, [running])
    assert [(h.run_id, h.status, h.stop_reason) for h in held] == [(running, "running", "enough")] and answers == []
    assert poll_held(db, new_holder(), [running]) == ([], [])  # only the holder gets its runs' requests

    with pytest.raises(RunStateError, match=f"run {queued} has already ended \\(stopped\\); there is nothing to stop"):
        request_stop(db, queued)
    with pytest.raises(NotFoundError, match="there is no run 999"):
        request_stop(db, 999)


def test_answers_go_to_the_question_asked_and_are_taken_once(db: Database) -> None:
    holder = new_holder()
    register_process(db, holder, "cli", lease_s=60)
    run_id = _running(db, holder)
    with pytest.raises(RunStateError, match=f"run {run_id} is not waiting for an answer \\(it is running\\)"):
        send_answer(db, run_id, "too early")
    set_pending(db, run_id, QUESTION)
    assert get_run(db, run_id).status == "waiting_for_input"
    assert run_control(db, run_id).pending == QUESTION
    with pytest.raises(RunStateError, match="no longer waits on that question; it asks: Go on\\?"):
        send_answer(db, run_id, "late", request_id="q0")
    assert send_answer(db, run_id, "yes") == "q1"
    _, answers = poll_held(db, holder, [run_id])
    assert [(a.run_id, a.request_id, a.text) for a in answers] == [(run_id, "q1", "yes")]
    assert poll_held(db, holder, [run_id])[1] == []
    set_pending(db, run_id, None)
    assert get_run(db, run_id).status == "running" and run_control(db, run_id).pending is None


def test_live_processes_show_their_runs_in_hand(db: Database) -> None:
    worker, studio, gone = new_holder(), new_holder(), new_holder()
    register_process(db, worker, "worker", lease_s=60, concurrency=4)
    register_process(db, studio, "studio", lease_s=60)
    register_process(db, gone, "worker", lease_s=0.2)
    for _ in range(2):
        _running(db, worker)
    finished = _running(db, worker)
    set_run_status(db, finished, "completed")
    time.sleep(0.5)
    workers = live_processes(db, role="worker")
    assert [(p.holder, p.role, p.concurrency, p.runs_in_hand) for p in workers] == [(worker, "worker", 4, 2)]
    assert workers[0].host == worker.rsplit(":", 2)[0] and workers[0].heartbeat_at <= time.time() + 5
    assert {p.holder for p in live_processes(db)} == {worker, studio}
    unregister_process(db, studio)
    assert {p.holder for p in live_processes(db)} == {worker}
