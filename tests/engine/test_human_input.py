"""human_input_mode ALWAYS / TERMINATE / NEVER with a scripted human (the pluggable input function)."""

from __future__ import annotations

from components import AssistantAgent, ConversableAgent, UserProxyAgent
from components.llm.scripted import say


def _agents(llm, mode: str, **user_kwargs):  # type: ignore[no-untyped-def]
    assistant = AssistantAgent("assistant", llm_config=llm.llm_config("writer"))
    user = UserProxyAgent("user", human_input_mode=mode, code_execution_config=False, **user_kwargs)
    return assistant, user


def test_always_asks_every_turn_and_exit_ends(llm, recorder) -> None:
    llm.script("writer", ["Draft 1", "Draft 2"])
    recorder.answers = ["make it shorter", "exit"]
    assistant, user = _agents(llm, "ALWAYS")

    result = user.initiate_chat(assistant, message="Write a slogan")

    assert [m["content"] for m in result.chat_history] == ["Write a slogan", "Draft 1", "make it shorter", "Draft 2"]
    assert recorder.prompts[0].startswith("Replying as user. Provide feedback to assistant.")
    assert result.human_input == ["make it shorter", "exit"]
    requested, given = recorder.of("input_requested"), recorder.of("input_given")
    assert len(requested) == 2 and [g.action for g in given] == ["reply", "exit"]
    assert requested[0].request_id == given[0].request_id and requested[0].sender == "assistant"


def test_always_empty_input_auto_replies_and_empty_on_terminate_exits(llm, recorder) -> None:
    llm.script("writer", ["Working", "TERMINATE"])
    recorder.answers = ["", ""]
    assistant, user = _agents(llm, "ALWAYS", default_auto_reply="continue")

    result = user.initiate_chat(assistant, message="go")

    assert [m["content"] for m in result.chat_history] == ["go", "Working", "continue", "TERMINATE"]
    assert [g.action for g in recorder.of("input_given")] == ["skip", "skip"]
    assert "termination" in recorder.of("chat_finished")[-1].reason


def test_terminate_mode_asks_only_at_termination(llm, recorder) -> None:
    llm.script("writer", ["step", "TERMINATE", "revised", "TERMINATE"])
    recorder.answers = ["one more thing", "exit"]
    assistant, user = _agents(llm, "TERMINATE", default_auto_reply="ok")
    user.update_max_consecutive_auto_reply(5)

    result = user.initiate_chat(assistant, message="task")

    assert [m["content"] for m in result.chat_history] == [
        "task", "step", "ok", "TERMINATE", "one more thing", "revised", "ok", "TERMINATE",
    ]
    assert recorder.prompts == [
        "Please give feedback to assistant. Press enter or type 'exit' to stop the conversation: "
    ] * 2


def test_terminate_mode_asks_when_auto_reply_limit_reached(llm, recorder) -> None:
    llm.respond("writer", lambda body: say("again"))
    recorder.answers = ["exit"]
    assistant, user = _agents(llm, "TERMINATE", max_consecutive_auto_reply=1, default_auto_reply="ok")

    result = user.initiate_chat(assistant, message="task")

    assert [m["content"] for m in result.chat_history] == ["task", "again", "ok", "again"]
    assert "Press enter to skip and use auto-reply" in recorder.prompts[0]


def test_never_mode_never_asks(llm, recorder) -> None:
    llm.script("writer", ["a", "TERMINATE"])
    assistant, user = _agents(llm, "NEVER", default_auto_reply="ok")
    user.initiate_chat(assistant, message="task")
    assert recorder.of("input_requested") == []


def test_human_reply_to_tool_call_interrupts_it(recorder) -> None:
    caller = ConversableAgent("caller", llm_config=False, human_input_mode="NEVER")
    human = ConversableAgent("human", llm_config=False, human_input_mode="ALWAYS")
    recorder.answers = ["stop, use another tool"]
    call = {"content": None, "tool_calls": [{"id": "c1", "type": "function", "function": {"name": "f", "arguments": "{}"}}]}
    caller.send(call, human, request_reply=True)

    reply = caller.last_message(human)
    assert reply["content"] == "stop, use another tool"
    assert reply["tool_responses"] == [{"role": "tool", "tool_call_id": "c1", "content": "USER INTERRUPTED"}]


def test_message_none_asks_the_human_for_the_first_message(llm, recorder) -> None:
    llm.script("writer", ["TERMINATE"])
    recorder.answers = ["typed task"]
    assistant, user = _agents(llm, "NEVER")
    result = user.initiate_chat(assistant, message=None)
    assert result.chat_history[0]["content"] == "typed task"
    assert recorder.prompts == [">"]
