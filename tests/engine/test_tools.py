"""Tools: schemas from type hints, and calls round-tripped through litellm to the executing agent."""

from __future__ import annotations

from typing import Annotated, Literal

import pytest
from pydantic import BaseModel

from components import AssistantAgent, UserProxyAgent, function_schema, register_function
from components.llm.scripted import say, tool_call


def add(a: Annotated[int, "first number"], b: Annotated[int, "second number"] = 2) -> int:
    """Add two numbers."""
    return a + b


class Point(BaseModel):
    x: float
    y: float


def norm(p: Annotated[Point, "a point"], unit: Literal["m", "km"] = "m") -> str:
    """Length of a vector."""
    return f"{(p.x ** 2 + p.y ** 2) ** 0.5:g} {unit}"


def test_schema_from_type_hints() -> None:
    schema = function_schema(add)
    assert schema == {
        "type": "function",
        "function": {
            "name": "add",
            "description": "Add two numbers.",
            "parameters": {
                "type": "object",
                "properties": {
                    "a": {"type": "integer", "description": "first number"},
                    "b": {"type": "integer", "description": "second number", "default": 2},
                },
                "required": ["a"],
            },
        },
    }
    nested = function_schema(norm)["function"]["parameters"]
    assert nested["properties"]["unit"]["enum"] == ["m", "km"]
    assert nested["required"] == ["p"]


def test_schema_errors_are_actionable() -> None:
    def undocumented(x: int) -> int:
        return x

    def untyped(x):  # type: ignore[no-untyped-def]
        """Doc."""
        return x

    with pytest.raises(ValueError, match="needs a description"):
        function_schema(undocumented)
    with pytest.raises(ValueError, match="annotations are missing for the following parameters: 'x'"):
        function_schema(untyped)


def _team(llm):  # type: ignore[no-untyped-def]
    assistant = AssistantAgent("assistant", llm_config=llm.llm_config("writer"))
    user = UserProxyAgent("user", human_input_mode="NEVER", code_execution_config=False)
    register_function(add, caller=assistant, executor=user, description="Add two numbers.")
    register_function(norm, caller=assistant, executor=user)
    return assistant, user


def test_tool_call_round_trip(llm, recorder) -> None:
    llm.script("writer", [tool_call("add", {"a": 40}, call_id="call_1"), say("The sum is 42."), say("TERMINATE")])
    assistant, user = _team(llm)

    result = user.initiate_chat(assistant, message="What is 40 + 2?")

    # the model was offered both tools
    offered = {t["function"]["name"] for t in llm.requests_for("writer")[0]["tools"]}
    assert offered == {"add", "norm"}
    tool_message = result.chat_history[2]
    assert tool_message["role"] == "tool" and tool_message["content"] == "42"
    # the next request carries the assistant's call and a tool message answering it
    second = llm.requests_for("writer")[1]["messages"]
    assert second[-2]["tool_calls"][0]["id"] == "call_1"
    assert second[-1] == {"role": "tool", "tool_call_id": "call_1", "content": "42"}
    call, outcome = recorder.of("tool_call")[0], recorder.of("tool_result")[0]
    assert (call.name, call.agent, call.caller, call.call_id) == ("add", "user", "assistant", "call_1")
    assert outcome.ok and outcome.content == "42"


def test_pydantic_arguments_are_validated(llm, recorder) -> None:
    llm.script("writer", [tool_call("norm", {"p": {"x": 3, "y": 4}, "unit": "km"}), say("TERMINATE")])
    assistant, user = _team(llm)
    result = user.initiate_chat(assistant, message="How long?")
    assert result.chat_history[2]["content"] == "5 km"


def test_tool_failures_are_reported_to_the_model(llm, recorder) -> None:
    llm.script("writer", [
        tool_call("missing_tool", {}),
        tool_call("add", {"a": "not a number"}),
        say("TERMINATE"),
    ])
    assistant, user = _team(llm)
    result = user.initiate_chat(assistant, message="Try tools")

    assert result.chat_history[2]["content"] == "Error: Function missing_tool not found."
    assert result.chat_history[4]["content"].startswith("Error: ")
    assert [r.ok for r in recorder.of("tool_result")] == [False, False]


def test_register_for_llm_requires_llm_config() -> None:
    user = UserProxyAgent("user", code_execution_config=False)
    with pytest.raises(RuntimeError, match="LLM config must be setup"):
        user.register_for_llm(description="x")(add)


def test_function_map_names_are_validated() -> None:
    with pytest.raises(ValueError, match="Invalid name: 'bad name'"):
        UserProxyAgent("user", code_execution_config=False, function_map={"bad name": add})
