"""AutoGen fidelity (issue 16): stored messages, summaries, content parts, exception types."""

from __future__ import annotations

import pytest

from components import (
    AssistantAgent,
    ConversableAgent,
    GroupChat,
    InvalidCarryOverTypeError,
    UserProxyAgent,
    content_str,
    function_schema,
    get_function_schema,
)
from components.llm.scripted import say


def test_function_call_result_keeps_the_raw_return_value(llm, recorder) -> None:
    """AutoGen stores what the function returned (15), not its text ("15"); the model still gets text."""
    llm.script("caller", ["noted"])
    caller = AssistantAgent("caller", llm_config=llm.llm_config("caller"))
    runner = UserProxyAgent(
        "runner", human_input_mode="NEVER", code_execution_config=False, function_map={"add": lambda a, b: a + b}
    )
    call = {"name": "add", "arguments": '{"a": 7, "b": 8}'}

    caller.initiate_chat(runner, message={"content": None, "function_call": call}, max_turns=1)

    stored = caller.chat_messages[runner][1]
    assert stored == {"content": 15, "name": "add", "role": "function"}
    assert runner.execute_function(call) == (True, {"name": "add", "role": "function", "content": 15})
    assert recorder.of("tool_result")[-1].content == "15"
    assert caller.generate_reply(sender=runner) == "noted"
    sent = llm.requests_for("caller")[0]["messages"]
    assert sent[-1] == {"role": "user", "content": "Result of add: 15"}  # text on the wire


@pytest.mark.parametrize(
    "returned, expected",
    [({"content": "from a dict"}, "from a dict"), (None, ""), (42, "42"), ([{"type": "text", "text": "parts"}], "parts")],
)
def test_custom_summary_method_results_become_text(llm, recorder, returned, expected) -> None:  # type: ignore[no-untyped-def]
    llm.script("helper", ["hello"])
    helper = AssistantAgent("helper", llm_config=llm.llm_config("helper"))
    user = UserProxyAgent("user", human_input_mode="NEVER", code_execution_config=False)

    result = user.initiate_chat(helper, message="hi", max_turns=1, summary_method=lambda s, r, a: returned)

    assert result.summary == expected
    assert recorder.of("chat_finished")[-1].summary == expected


def test_content_str_joins_parts_with_newlines_and_refuses_unknown_parts() -> None:
    parts = [{"type": "text", "text": "one"}, {"type": "image_url", "image_url": {"url": "x"}}, {"type": "text", "text": "two"}]
    assert content_str(parts) == "one\n<image>\ntwo"
    assert content_str([{"type": "input_text", "text": "a"}, {"type": "tool_call", "name": "f"}]) == "a\n<function: f>"
    with pytest.raises(ValueError, match="unknown type 'audio'"):
        content_str([{"type": "audio", "data": "..."}])
    with pytest.raises(TypeError):
        content_str(["not a dict"])


def test_register_for_llm_without_llm_raises_what_autogen_raises() -> None:
    user = UserProxyAgent("user", code_execution_config=False)

    def noop() -> str:
        """Nothing."""
        return ""

    with pytest.raises(AssertionError, match="LLM config must be setup"):
        user.register_for_llm(description="x")(noop)
    with pytest.raises(RuntimeError):  # AutoGen documents RuntimeError: both work
        user.register_for_llm(description="x")(noop)


def test_missing_annotation_is_a_type_error_and_non_functions_are_refused(llm) -> None:
    def untyped(x):  # type: ignore[no-untyped-def]
        """Doc."""
        return x

    with pytest.raises(TypeError, match="annotations are missing for the following parameters: 'x'"):
        get_function_schema(untyped, description="d")
    with pytest.raises(TypeError):
        function_schema(untyped)
    agent = AssistantAgent("a", llm_config=llm.llm_config("a"))
    with pytest.raises(TypeError, match="must be a function"):
        agent.register_for_llm(description="x")(42)
    with pytest.raises(TypeError, match="must be a function"):
        agent.register_for_execution()("not callable")


def test_duplicate_agent_names_error_wording() -> None:
    a = ConversableAgent("twin", llm_config=False)
    b = ConversableAgent("twin", llm_config=False)
    with pytest.raises(ValueError, match=r"GroupChat agents must have unique names. Duplicate agent names found: \{'twin'\}"):
        GroupChat([a, b])


def test_carryover_of_a_wrong_type_is_refused(llm, recorder) -> None:
    llm.script("x1", ["ok"])
    x = AssistantAgent("x1", llm_config=llm.llm_config("x1"))
    user = UserProxyAgent("user", human_input_mode="NEVER", code_execution_config=False)
    with pytest.raises(InvalidCarryOverTypeError):
        user.initiate_chat(x, message="go", max_turns=1, carryover=42)
    # a multimodal first message gets the context as its first text part
    llm.script("x1", ["ok"])
    user.initiate_chat(x, message={"content": [{"type": "text", "text": "see"}]}, max_turns=1, carryover=["earlier"])
    assert x.chat_messages[user][0]["content"] == [{"type": "text", "text": "\nContext: \nearlier"}, {"type": "text", "text": "see"}]


def test_a_default_termination_check_survives_a_raw_result(llm, recorder) -> None:
    """A function result of 15 reaching an agent with the default is_termination_msg is not an error."""
    llm.respond("quiet", lambda body: say("fine"))
    quiet = AssistantAgent("quiet", llm_config=llm.llm_config("quiet"))
    user = UserProxyAgent("user", human_input_mode="NEVER", code_execution_config=False)
    user.send({"role": "function", "name": "add", "content": 15}, quiet, request_reply=True)
    assert user.chat_messages[quiet][-1]["content"] == "fine"


def test_state_with_a_raw_function_result_still_saves(tmp_path, recorder) -> None:
    import datetime

    runner = UserProxyAgent("runner", human_input_mode="NEVER", code_execution_config=False,
                            function_map={"today": lambda: datetime.date(2026, 12, 1)})
    other = ConversableAgent("other", llm_config=False)
    ok, result = runner.execute_function({"name": "today", "arguments": "{}"})
    runner.send(result, other, request_reply=False)
    assert other.chat_messages[runner][0]["content"] == datetime.date(2026, 12, 1)
    other.save_state(tmp_path / "state.json")
    assert '"content": "2026-12-01"' in (tmp_path / "state.json").read_text()
