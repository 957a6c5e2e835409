"""The run engine on a real SQLite file and the scripted model server: events stored as they happen,
stop, human input, failures, continue and fork."""

from __future__ import annotations

import time

from components.events import MessageSent, Notice
from components.llm.scripted import fail, hang, say
from storage.designs import save_model
from storage.eventlog import events_after
from storage.runs import get_run
from storage.secrets import store_api_key
from studio.runs.service import continue_run
from tests.studio_runs.conftest import coder_team
from tests.studio_runs.processes import wait_status

KEYS = {"Scripted": "sk-test"}
CODE = "```python\nprint(sum(range(4)))\n```"


def _next_request(engine, run_id, previous=None, timeout=30.0):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        pending = engine.handle(run_id).pending
        if pending is not None and pending.request_id != previous:
            return pending
        time.sleep(0.05)
    raise AssertionError("the run never asked for input")


def _kinds(db, run_id):  # type: ignore[no-untyped-def]
    return [e.kind for e in events_after(db, run_id, 0)]


def test_run_stores_every_event_in_order_and_completes(db, engine, llm) -> None:
    llm.script("writer", [CODE, "TERMINATE"])
    run_id = engine.start(coder_team(llm.url), "add up", api_keys=KEYS)
    assert engine.wait(run_id, 30)

    run = get_run(db, run_id)
    assert run.status == "completed" and run.error is None
    stored = events_after(db, run_id, 0)
    assert [e.seq for e in stored] == list(range(1, len(stored) + 1))
    assert _kinds(db, run_id) == [
        "chat_started", "message", "usage", "message", "code_started", "code_finished", "message", "usage",
        "message", "chat_finished",
    ]
    finished = [e.event for e in stored if e.kind == "code_finished"][0]
    assert finished.output == "6\n" and finished.work_dir.endswith(f"runs/{run_id}/work")
    assert [u.agent for u in run.usage] == ["coder"] and run.usage[0].calls == 2


def test_streamed_tokens_stay_in_memory(db, engine, llm) -> None:
    llm.script("writer", [say("one two three four five", delay_s=0.0), "TERMINATE"])
    seen = []
    engine.subscribers.append(lambda e: seen.append(e.kind))
    run_id = engine.start(coder_team(llm.url, stream=True), "count", api_keys=KEYS)
    engine.wait(run_id, 30)
    assert "token" in seen
    assert "token" not in _kinds(db, run_id)


def test_stop_ends_a_hanging_run_quickly_and_keeps_events(db, engine, llm) -> None:
    llm.script("writer", [hang(30)])
    run_id = engine.start(coder_team(llm.url, timeout=60), "think hard", api_keys=KEYS)
    wait_status(db, run_id, {"running"})
    time.sleep(0.5)
    started = time.monotonic()
    assert engine.stop(run_id)
    assert engine.wait(run_id, 5)
    assert time.monotonic() - started < 2.0
    run = get_run(db, run_id)
    assert run.status == "stopped" and "stopped by the user" in run.error
    assert _kinds(db, run_id)[:2] == ["chat_started", "message"]


def test_stop_kills_running_code(db, engine, llm) -> None:
    llm.script("writer", ["```python\nimport time\ntime.sleep(60)\n```"])
    run_id = engine.start(coder_team(llm.url), "sleep", api_keys=KEYS)
    deadline = time.monotonic() + 30
    while "code_started" not in _kinds(db, run_id) and time.monotonic() < deadline:
        time.sleep(0.05)
    started = time.monotonic()
    engine.stop(run_id)
    assert engine.wait(run_id, 5) and time.monotonic() - started < 2.0
    assert get_run(db, run_id).status == "stopped"


def test_human_input_waits_and_continues_with_the_answer(db, engine, llm) -> None:
    llm.script("writer", ["Shall I go on?", "Done. TERMINATE"])
    run_id = engine.start(coder_team(llm.url, executor_mode="ALWAYS"), "start", api_keys=KEYS)
    first = _next_request(engine, run_id)
    assert first.agent == "executor"
    assert get_run(db, run_id).status == "waiting_for_input"
    requested = [e.event for e in events_after(db, run_id, 0) if e.kind == "input_requested"][-1]
    assert requested.request_id == first.request_id

    assert engine.answer(run_id, requested.request_id, "yes please")
    second = _next_request(engine, run_id, previous=first.request_id)
    engine.answer(run_id, second.request_id, "exit")
    assert engine.wait(run_id, 10)

    messages = [e.event for e in events_after(db, run_id, 0) if isinstance(e.event, MessageSent)]
    assert [m.content for m in messages] == ["start", "Shall I go on?", "yes please", "Done. TERMINATE"]
    assert get_run(db, run_id).status == "completed"


def test_unanswered_input_times_out_clearly(db, tmp_path, llm) -> None:
    from studio.runs.engine import RunEngine

    engine = RunEngine(db, tmp_path / "data", input_timeout_s=1)
    llm.script("writer", ["Question?"])
    run_id = engine.start(coder_team(llm.url, executor_mode="ALWAYS"), "start", api_keys=KEYS)
    assert engine.wait(run_id, 15)
    engine.close()
    run = get_run(db, run_id)
    assert run.status == "stopped" and "nobody answered executor's question" in run.error


def test_llm_failure_fails_the_run_with_the_reason_and_keeps_history(db, engine, llm) -> None:
    llm.script("writer", [fail(401, "Incorrect API key provided")])
    run_id = engine.start(coder_team(llm.url), "hello", api_keys=KEYS)
    engine.wait(run_id, 30)
    run = get_run(db, run_id)
    assert run.status == "failed" and "authentication failed for model openai/writer" in run.error
    kinds = _kinds(db, run_id)
    assert kinds[:2] == ["chat_started", "message"] and "error" in kinds


def test_a_broken_design_fails_with_a_recorded_error(db, engine, llm) -> None:
    document = coder_team(llm.url)
    document.agents[0].tools.append("missing_tool")
    run_id = engine.start(document, "x", api_keys=KEYS)
    engine.wait(run_id, 10)
    run = get_run(db, run_id)
    assert run.status == "failed" and "missing_tool" in run.error
    assert _kinds(db, run_id) == ["error"]


def test_continue_and_fork_restore_the_conversation(db, engine, llm) -> None:
    team = coder_team(llm.url)
    save_model(db, team.models[0])  # a continued run finds its key the way the studio does: in storage
    store_api_key(db, "Scripted", "sk-test")
    llm.script("writer", ["My favourite number is 7.", "TERMINATE"])
    first = engine.start(team, "remember a number", api_keys=KEYS)
    engine.wait(first, 30)

    llm.script("writer", ["It was 7.", "TERMINATE"])
    follow = continue_run(db, engine, first, "what was it?")
    engine.wait(follow, 30)
    sent = llm.requests_for("writer")[-2]["messages"]
    assert [m["content"] for m in sent[1:]] == [
        "remember a number", "My favourite number is 7.", "", "TERMINATE", "what was it?",
    ]
    follow_messages = [e.event.content for e in events_after(db, follow, 0) if isinstance(e.event, MessageSent)]
    assert follow_messages[:4] == ["remember a number", "My favourite number is 7.", "", "TERMINATE"]
    assert follow_messages[4:] == ["what was it?", "It was 7.", "", "TERMINATE"]

    llm.script("writer", ["Forked answer", "TERMINATE"])
    first_message_seq = [e.seq for e in events_after(db, first, 0) if e.kind == "message"][0]
    fork = continue_run(db, engine, first, "pick another", upto_seq=first_message_seq)
    engine.wait(fork, 30)
    forked = [m["content"] for m in llm.requests_for("writer")[-2]["messages"][1:]]
    assert forked == ["remember a number", "pick another"]
    notes = [e.event.message for e in events_after(db, fork, 0) if isinstance(e.event, Notice)]
    assert any("from message 1." in n for n in notes), notes  # the message chosen, not its event number
    assert get_run(db, first).last_seq == len(events_after(db, first, 0))  # the original is untouched


def test_several_runs_at_once_keep_their_own_events(db, engine, llm) -> None:
    for model in ("first", "second", "third"):
        llm.script(model, [slow_reply(f"{model} says hello"), "TERMINATE"])
    run_ids = {model: engine.start(coder_team(llm.url, model=model), f"task for {model}", api_keys=KEYS)
               for model in ("first", "second", "third")}
    for run_id in run_ids.values():
        assert engine.wait(run_id, 60)
    for model, run_id in run_ids.items():
        contents = [e.event.content for e in events_after(db, run_id, 0) if isinstance(e.event, MessageSent)]
        assert contents[:2] == [f"task for {model}", f"{model} says hello"]
        assert get_run(db, run_id).status == "completed"


def slow_reply(text: str):  # type: ignore[no-untyped-def]
    return say(text, delay_s=0.5)  # long enough for the three runs to overlap


ASYNC_TOOL = '''import asyncio


async def forecast(city: str) -> str:
    """Tomorrow's weather in a city."""
    await asyncio.sleep(0.01)
    return f"rain in {city}"
'''


def test_a_tool_written_as_async_def_runs_in_a_studio_run(db, engine, llm) -> None:
    from components.llm.scripted import tool_call
    from storage.documents import ToolSpec

    team = coder_team(llm.url)
    team.agent("coder").tools.append("forecast")
    team.tools.append(ToolSpec(name="forecast", source=ASYNC_TOOL))
    llm.script("writer", [tool_call("forecast", {"city": "Seoul"}), "TERMINATE"])

    run_id = engine.start(team, "Weather tomorrow?", api_keys=KEYS)
    assert engine.wait(run_id, 30)

    assert get_run(db, run_id).status == "completed"
    result = next(e.event for e in events_after(db, run_id, 0) if e.kind == "tool_result")
    assert result.ok and result.content == "rain in Seoul"


def test_a_copied_agent_speaks_under_its_original_name(db, engine, llm) -> None:
    """A gallery team added next to agents of the same names stores "coder_2"; the run still says "coder"."""
    team = coder_team(llm.url)
    coder = team.agent("coder").model_copy(update={"name": "coder_2", "display_name": "coder"})
    team = team.model_copy(update={
        "agents": [coder, team.agent("executor")],
        "team": team.team.model_copy(update={"members": ["executor", "coder_2"]}),
    })
    llm.script("writer", ["All done. TERMINATE"])

    run_id = engine.start(team, "Say you are done.", api_keys=KEYS)
    assert engine.wait(run_id, 30)

    senders = [e.event.sender for e in events_after(db, run_id, 0) if e.kind == "message"]
    assert senders[:2] == ["executor", "coder"] and "coder_2" not in senders
    assert get_run(db, run_id).usage[0].agent == "coder"
