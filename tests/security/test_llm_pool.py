"""Stopped runs whose model never answers do not hold up other runs (issue 11, item 8).

Before the fix every call waited in one pool of 64 threads, and an abandoned call kept its thread until
the provider answered or timed out: 66 stopped runs on a silent model made a new run wait 57 s, and calls
still queued behind them were sent after Stop.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from components.llm.scripted import ScriptedLLMServer, hang, say
from storage import open_database
from storage.runs import get_run
from studio.runs.engine import RunEngine
from tests.studio_runs.conftest import coder_team
from tests.support.connections import established_to

STOPPED_RUNS = 70  # more than the old pool's 64 threads, so that the old code fails this test
KEYS = {"Scripted": "sk-test"}


def _timed_run(engine: RunEngine, api_base: str, task: str) -> tuple[int, float]:
    started = time.monotonic()
    run_id = engine.start(coder_team(api_base, model="fast"), task, api_keys=KEYS)
    engine.wait(run_id, 120)
    return run_id, time.monotonic() - started


@pytest.fixture
def silent_server() -> Iterator[ScriptedLLMServer]:
    """A second scripted server, on its own port so that its connections can be counted."""
    with ScriptedLLMServer() as server:
        yield server


def test_a_new_run_is_not_held_up_by_stopped_runs_on_a_silent_model(tmp_path, llm, silent_server, make_engine) -> None:  # type: ignore[no-untyped-def]
    db = open_database(f"sqlite:///{tmp_path / 'runs.db'}")
    engine = make_engine(db)
    llm.respond("fast", lambda body: say("TERMINATE"))
    silent_server.respond("silent", lambda body: hang(600))

    _timed_run(engine, llm.url, "warm up")  # the first run pays for importing litellm
    solo_id, solo = _timed_run(engine, llm.url, "alone")
    assert get_run(db, solo_id).status == "completed"

    team = coder_team(silent_server.url, model="silent")
    silent = [engine.start(team, f"wait {i}", api_keys=KEYS) for i in range(STOPPED_RUNS)]
    deadline = time.monotonic() + 90
    while len(silent_server.requests_for("silent")) < STOPPED_RUNS:
        assert time.monotonic() < deadline, f"only {len(silent_server.requests_for('silent'))} silent calls were sent"
        time.sleep(0.1)
    assert established_to(silent_server.port) >= STOPPED_RUNS
    for run_id in silent:
        engine.stop(run_id)
    for run_id in silent:
        assert engine.wait(run_id, 10), f"run {run_id} did not stop"
        assert get_run(db, run_id).status == "stopped"
    deadline = time.monotonic() + 5
    while established_to(silent_server.port) > 0:  # Stop released the calls in flight, not just the runs
        assert time.monotonic() < deadline, f"{established_to(silent_server.port)} stopped calls still hold a connection"
        time.sleep(0.1)

    run_id, after = _timed_run(engine, llm.url, "after the stopped ones")
    assert get_run(db, run_id).status == "completed", get_run(db, run_id).error
    assert after < solo + 5, f"a new run took {after:.1f} s behind {STOPPED_RUNS} stopped runs (alone: {solo:.1f} s)"
    time.sleep(0.5)
    assert len(silent_server.requests_for("silent")) == STOPPED_RUNS  # no call of a stopped run was sent after Stop
    db.close()
