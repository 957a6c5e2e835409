"""Control through the database in local mode, with real processes: a run started with
``run --detach`` executes in a background process, and this process (a studio's engine) or other CLI
processes see, stop and answer it; killing the process that holds it interrupts it within its lease."""

from __future__ import annotations

import json
import time

import pytest

from components.events import MessageSent
from components.llm.scripted import hang
from storage import open_database
from storage.eventlog import events_after
from storage.runs import get_run
from studio.runs.engine import RunEngine
from studio.runs.service import continue_run
from tests.studio_runs.conftest import coder_team
from tests.studio_runs.processes import LEASE_S, cli, detach, holder_pid, kill_quietly, wait_kind, wait_status

CODE = "```python\nprint(sum(range(4)))\n```"


@pytest.fixture
def url(tmp_path) -> str:  # type: ignore[no-untyped-def]
    return f"sqlite:///{tmp_path / 'shared.db'}"


@pytest.fixture
def studio(url, tmp_path):  # type: ignore[no-untyped-def]
    """The database and engine of a studio process: this test process."""
    db = open_database(url)
    engine = RunEngine(db, tmp_path / "studio-data", input_timeout_s=30, lease_s=float(LEASE_S))
    pids: list[int] = []
    yield db, engine, pids
    for pid in pids:
        kill_quietly(pid)
    engine.close()
    db.close()


def test_a_detached_run_executes_in_another_process_and_reports_its_status(tmp_path, url, studio, llm) -> None:
    db, engine, pids = studio
    llm.script("writer", [CODE, "TERMINATE"])
    run_id = detach(tmp_path, url, coder_team(llm.url), "add up")
    pids.append(holder_pid(db, run_id))
    assert pids[0] != __import__("os").getpid() and get_run(db, run_id).worker != engine.holder

    assert engine.wait(run_id, 60)
    status = cli(tmp_path, url, "status", str(run_id), "--json")
    assert status.returncode == 0, status.stderr
    shown = json.loads(status.stdout)
    assert (shown["id"], shown["status"], shown["worker"]) == (run_id, "completed", get_run(db, run_id).worker)
    assert shown["events"] == len(events_after(db, run_id)) > 5
    assert "6\n" in [e.event.output for e in events_after(db, run_id) if e.kind == "code_finished"]

    text = cli(tmp_path, url, "status", str(run_id))
    assert f"run #{run_id} · Coder + Executor · completed" in text.stdout and "worker: " in text.stdout
    listed = cli(tmp_path, url, "list", "--json")
    assert [r["id"] for r in json.loads(listed.stdout)] == [run_id]
    missing = cli(tmp_path, url, "status", "999")
    assert missing.returncode == 3 and "there is no run 999" in missing.stderr


def test_stop_from_another_process_ends_a_run_within_a_second(tmp_path, url, studio, llm) -> None:
    db, engine, pids = studio
    llm.script("writer", [hang(60)])
    run_id = detach(tmp_path, url, coder_team(llm.url, timeout=120), "think hard")
    pids.append(holder_pid(db, run_id))
    wait_kind(db, run_id, "message")
    wait_status(db, run_id, {"running"})

    asked = time.monotonic()
    stopped = cli(tmp_path, url, "stop", str(run_id), "--wait", "10")
    assert stopped.returncode == 0, stopped.stderr
    assert f"run #{run_id}: stopped: stopped from the command line" in stopped.stdout
    assert time.monotonic() - asked < 10  # the CLI's own start-up included; the run reacts within a poll
    assert [e.kind for e in events_after(db, run_id)][:2] == ["chat_started", "message"]
    again = cli(tmp_path, url, "stop", str(run_id))
    assert again.returncode == 4 and "has already ended (stopped)" in again.stderr


def test_a_studio_stops_a_run_held_by_another_process(tmp_path, url, studio, llm) -> None:
    db, engine, pids = studio
    llm.script("writer", [hang(60)])
    run_id = detach(tmp_path, url, coder_team(llm.url, timeout=120), "think hard")
    pids.append(holder_pid(db, run_id))
    wait_kind(db, run_id, "message")
    assert not engine.is_active(run_id)  # not executed here
    asked = time.monotonic()
    assert engine.stop(run_id)
    run = wait_status(db, run_id, {"stopped"}, timeout=5)
    assert time.monotonic() - asked < 2.0
    assert run.error == "stopped by the user"


def test_answers_from_another_process_reach_the_run(tmp_path, url, studio, llm) -> None:
    db, engine, pids = studio
    llm.script("writer", ["Shall I go on?", "Done. TERMINATE"])
    run_id = detach(tmp_path, url, coder_team(llm.url, executor_mode="ALWAYS"), "start")
    pids.append(holder_pid(db, run_id))
    wait_status(db, run_id, {"waiting_for_input"})
    question = engine.pending(run_id)
    assert question is not None and (question.agent, question.sender) == ("executor", "coder")
    shown = json.loads(cli(tmp_path, url, "status", str(run_id), "--json").stdout)
    assert shown["status"] == "waiting_for_input" and shown["question"] == question.prompt

    assert engine.answer(run_id, question.request_id, "yes please")  # the studio answers
    deadline = time.monotonic() + 30
    while (engine.pending(run_id) or question).request_id == question.request_id:
        assert time.monotonic() < deadline, "the run never asked again"
        time.sleep(0.05)
    answered = cli(tmp_path, url, "answer", str(run_id), "exit")  # the CLI answers the second question
    assert answered.returncode == 0, answered.stderr
    assert engine.wait(run_id, 30)
    messages = [e.event.content for e in events_after(db, run_id) if isinstance(e.event, MessageSent)]
    assert messages == ["start", "Shall I go on?", "yes please", "Done. TERMINATE"]
    assert get_run(db, run_id).status == "completed"
    late = cli(tmp_path, url, "answer", str(run_id), "hello?")
    assert late.returncode == 4 and "is not waiting for an answer (it is completed)" in late.stderr


def test_killing_the_process_that_holds_a_run_interrupts_it_within_the_lease(tmp_path, url, studio, llm) -> None:
    db, engine, pids = studio
    llm.script("writer", [CODE, hang(60), "TERMINATE"])
    run_id = detach(tmp_path, url, coder_team(llm.url, timeout=120), "work")
    pid = holder_pid(db, run_id)
    pids.append(pid)
    wait_kind(db, run_id, "code_finished")
    time.sleep(0.5)
    before = [e.kind for e in events_after(db, run_id)]
    kill_quietly(pid)
    killed = time.monotonic()

    run = wait_status(db, run_id, {"interrupted"}, timeout=30)  # this studio's control loop notices
    assert time.monotonic() - killed < float(LEASE_S) + 5
    assert run.error == "the process running it stopped before it finished"
    assert [e.kind for e in events_after(db, run_id)] == before  # every event kept
    follow = continue_run(db, engine, run_id, "please go on")
    assert engine.wait(follow, 60)
    assert get_run(db, follow).status == "completed", get_run(db, follow).error
    contents = [e.event.content for e in events_after(db, follow) if isinstance(e.event, MessageSent)]
    assert contents[0] == "work" and contents[-2:] == ["please go on", "TERMINATE"]


def test_the_reply_streamed_in_another_process_is_shared_while_it_is_written(tmp_path, url, studio, llm) -> None:
    from components.llm.scripted import say
    from storage.control import live_text

    db, engine, pids = studio
    words = " ".join(f"word{n}" for n in range(30))
    llm.script("writer", [say(words, chunk_delay_s=0.1), "TERMINATE"])
    run_id = detach(tmp_path, url, coder_team(llm.url, stream=True), "write slowly")
    pids.append(holder_pid(db, run_id))
    seen: list[str] = []
    deadline = time.monotonic() + 60
    while get_run(db, run_id).status not in ("completed", "failed", "stopped") and time.monotonic() < deadline:
        live = live_text(db, run_id)
        if live and (not seen or live[1] != seen[-1]):
            assert live[0] == "coder"
            seen.append(live[1])
        time.sleep(0.05)
    streamed = [text for text in seen if text.startswith("word")]  # (the second reply streams "TERMINATE")
    assert len(streamed) >= 3, seen  # updated several times during the 3 s it took to write
    assert all(words.startswith(text) for text in streamed) and streamed[0] != words, seen
    assert live_text(db, run_id) is None  # cleared once the whole message was stored
    assert words in [e.event.content for e in events_after(db, run_id) if isinstance(e.event, MessageSent)]
