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


def test_a_question_says_which_tool_waits_and_what_skipping_does(recorder) -> None:
    """The studio draws Approve / Deny from this: the calls that wait, and that skipping runs them."""
    caller = ConversableAgent("caller", llm_config=False, human_input_mode="NEVER")
    runner = ConversableAgent("runner", llm_config=False, human_input_mode="ALWAYS",
                              function_map={"forecast": lambda city: f"rain in {city}"})
    recorder.answers = [""]
    call = {"content": None, "tool_calls": [
        {"id": "c1", "type": "function", "function": {"name": "forecast", "arguments": '{"city": "Seoul"}'}},
    ]}
    caller.send(call, runner, request_reply=True)

    (asked,) = recorder.of("input_requested")
    assert [(c.name, c.arguments) for c in asked.tool_calls] == [("forecast", '{"city": "Seoul"}')]
    assert asked.on_skip == "auto_reply" and asked.standard_prompt and asked.sender == "caller"
    assert caller.last_message(runner)["tool_responses"][0]["content"] == "rain in Seoul"  # approved: it ran


def test_skipping_is_called_empty_when_the_agent_has_nothing_to_answer_with(recorder) -> None:
    """A user proxy without a model, tools or code to run would send an empty message: say so."""
    caller = ConversableAgent("caller", llm_config=False, human_input_mode="NEVER")
    human = ConversableAgent("human", llm_config=False, human_input_mode="ALWAYS", code_execution_config=False)
    tooled = ConversableAgent("tooled", llm_config=False, human_input_mode="ALWAYS")  # no function for "f"
    recorder.answers = ["words", "words", "words"]
    caller.send("Which colour?", human, request_reply=True)
    caller.send("TERMINATE", human, request_reply=True)
    call = {"content": None, "tool_calls": [{"id": "c1", "type": "function", "function": {"name": "f", "arguments": "{}"}}]}
    caller.send(call, tooled, request_reply=True)

    outcomes = [r.on_skip for r in recorder.of("input_requested")]
    assert outcomes == ["empty", "end", "empty"]


def test_skipping_is_called_auto_reply_for_code_to_run_or_a_model(llm, recorder, in_tmp) -> None:
    caller = ConversableAgent("caller", llm_config=False, human_input_mode="NEVER")
    runner = ConversableAgent("runner", llm_config=False, human_input_mode="ALWAYS",
                              code_execution_config={"work_dir": str(in_tmp), "use_docker": False})
    thinker = ConversableAgent("thinker", llm_config=llm.llm_config("writer"), human_input_mode="ALWAYS")
    recorder.answers = ["exit", "exit", "exit"]
    caller.send("```python\nprint(1)\n```", runner, request_reply=True)
    caller.send("no code here", runner, request_reply=True)
    caller.send("hello", thinker, request_reply=True)

    assert [r.on_skip for r in recorder.of("input_requested")] == ["auto_reply", "empty", "auto_reply"]


def test_a_question_the_program_asks_itself_keeps_its_prompt(recorder) -> None:
    agent = ConversableAgent("asker", llm_config=False, human_input_mode="ALWAYS")
    recorder.answers = ["42"]
    assert agent.get_human_input("How many?") == "42"
    (asked,) = recorder.of("input_requested")
    assert asked.prompt == "How many?" and not asked.standard_prompt and asked.tool_calls == []
