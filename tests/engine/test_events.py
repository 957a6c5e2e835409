"""The event stream: one JSON codec for every event type, and subscribers that cannot break a run."""

from __future__ import annotations

import logging

from components import AssistantAgent, UserProxyAgent, run_context
from components.events import EVENT_KINDS, EVENT_TYPES, Artifact, CodeFinished, event_from_json, event_to_json
from components.runtime import EventBus


def test_every_event_kind_round_trips_through_json(llm, recorder, in_tmp) -> None:
    llm.script("writer", ["```python\nopen('a.txt', 'w').write('x')\n```", "TERMINATE"])
    assistant = AssistantAgent("assistant", llm_config=llm.llm_config("writer", stream=True))
    user = UserProxyAgent("user", human_input_mode="NEVER", code_execution_config={"use_docker": False})
    user.initiate_chat(assistant, message="write a file")

    assert len(EVENT_KINDS) == len(EVENT_TYPES) == len(set(EVENT_KINDS))
    seen = set()
    for event in recorder.events:
        restored = event_from_json(event_to_json(event))
        assert restored == event and type(restored) is type(event)
        seen.add(event.kind)
    assert {"chat_started", "message", "token", "usage", "code_started", "code_finished", "chat_finished"} <= seen
    finished = recorder.of("code_finished")[0]
    assert finished.artifacts == [Artifact(path="a.txt", mime="text/plain", size=1)]


def test_code_finished_json_is_stable() -> None:
    event = CodeFinished(agent="u", exec_id="e1", language="python", exit_code=0, output="ok", duration_s=0.5,
                         artifacts=[Artifact(path="p.png", mime="image/png", size=3)], ts=1.0)
    assert event_to_json(event) == (
        '{"ts":1.0,"kind":"code_finished","agent":"u","exec_id":"e1","language":"python","exit_code":0,'
        '"output":"ok","duration_s":0.5,"work_dir":"","artifacts":[{"path":"p.png","mime":"image/png","size":3}]}'
    )


def test_a_failing_subscriber_does_not_break_the_conversation(llm, caplog) -> None:
    llm.script("writer", ["hello", "TERMINATE"])
    bus = EventBus()
    received = []

    def broken(event):  # type: ignore[no-untyped-def]
        raise RuntimeError("listener bug")

    bus.subscribe(broken)
    bus.subscribe(received.append)
    assistant = AssistantAgent("assistant", llm_config=llm.llm_config("writer"))
    user = UserProxyAgent("user", human_input_mode="NEVER", code_execution_config=False)
    with caplog.at_level(logging.ERROR), run_context(bus=bus):
        result = user.initiate_chat(assistant, message="hi")

    assert [m["content"] for m in result.chat_history][-1] == "TERMINATE"
    assert received[-1].kind == "chat_finished"
    assert "event subscriber" in caplog.text and "listener bug" in caplog.text


def test_unsubscribe_stops_delivery() -> None:
    bus = EventBus()
    got = []
    unsubscribe = bus.subscribe(got.append)
    unsubscribe()
    bus.publish(CodeFinished(agent="u", exec_id="e", language="sh", exit_code=0, output="", duration_s=0))
    assert got == []
