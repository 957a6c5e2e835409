"""Parameter descriptions from a tool's docstring: read in three styles, shown by the static schema exactly
as the loaded function's schema has them, and sent to the model in a run (issue 15, item 11)."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest

from components.agentchat.tools import function_schema
from components.llm.scripted import say, tool_call
from storage.documents import AgentSpec, ModelSpec, TeamDocument, TeamSpec, ToolSpec
from studio.builder import build_team
from studio.tool_check import tool_summary
from studio.tool_docstrings import parameter_docs, summary
from studio.tool_loading import load_tool
from studio.tool_signature import static_schema

GOOGLE = '''from typing import Annotated


def forecast(city: str, days: int = 1, unit: Annotated[str, "C or F"] = "C") -> str:
    """Look up the weather.

    Args:
        city (str): The city to look up,
            for example Paris.
        days: How many days ahead.
        unit: not used: the Annotated text wins.

    Returns:
        A forecast.
    """
    return f"{city}: sunny for {days} day(s), in {unit}"
'''

SPHINX = '''from __future__ import annotations


def scale(x: float, factor: float = 2.0) -> float:
    """Scale a value.

    :param x: The value to scale.
    :param float factor: How much to multiply it
        by.
    :returns: the product
    """
    return x * factor
'''

NUMPY = '''def clip(value: int, low: int = 0) -> int:
    """Clip a value.

    Parameters
    ----------
    value : int
        The value to clip.
    low : int, optional
        The lowest value kept.

    Returns
    -------
    int
        The clipped value.
    """
    return max(value, low)
'''


def _static(source: str, name: str) -> dict:  # type: ignore[type-arg]
    function = next(n for n in ast.parse(source).body if isinstance(n, ast.FunctionDef) and n.name == name)
    return static_schema(function)


def test_the_three_styles_give_each_parameter_its_text() -> None:
    assert parameter_docs(ast.get_docstring(ast.parse(GOOGLE).body[1])) == {  # type: ignore[arg-type]
        "city": "The city to look up, for example Paris.", "days": "How many days ahead.",
        "unit": "not used: the Annotated text wins."}
    assert parameter_docs(ast.get_docstring(ast.parse(SPHINX).body[1])) == {  # type: ignore[arg-type]
        "x": "The value to scale.", "factor": "How much to multiply it by."}
    assert parameter_docs(ast.get_docstring(ast.parse(NUMPY).body[0])) == {  # type: ignore[arg-type]
        "value": "The value to clip.", "low": "The lowest value kept."}
    assert parameter_docs("Count words: in a text.\n\nNo sections here.") == {}
    assert summary("\n  Look up the weather.\n\n  Args:\n    x: y\n") == "Look up the weather."


@pytest.mark.parametrize(("source", "name"), [(GOOGLE, "forecast"), (SPHINX, "scale"), (NUMPY, "clip")])
def test_the_page_shows_what_the_run_registers(source: str, name: str) -> None:
    """The static schema (never runs the code) equals the schema of the function a run loads."""
    shown = _static(source, name)
    loaded = function_schema(load_tool(ToolSpec(name=name, source=source)))
    assert shown == loaded
    described = {k: v["description"] for k, v in shown["function"]["parameters"]["properties"].items()}
    assert all(described[k] != k for k in described), described  # no description repeats the name


def test_annotated_wins_over_the_docstring_and_the_loaded_function_still_works() -> None:
    properties = _static(GOOGLE, "forecast")["function"]["parameters"]["properties"]
    assert properties["unit"]["description"] == "C or F"
    assert properties["city"]["description"] == "The city to look up, for example Paris."
    assert load_tool(ToolSpec(name="forecast", source=GOOGLE))("Oslo", days=2) == "Oslo: sunny for 2 day(s), in C"


def test_the_list_gives_the_description_else_the_docstrings_first_line_without_running_it(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    source = f"open({str(marker)!r}, 'w')\n" + GOOGLE
    assert tool_summary(source, "forecast") == "Look up the weather."
    assert tool_summary(source, "forecast", "Weather for a city.\nMore.") == "Weather for a city."
    assert tool_summary("def broken(:", "broken") == ""
    assert not marker.exists()


def test_the_docstrings_parameter_text_reaches_the_model(llm, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """A team run through the scripted server: the tools schema in the request carries the docstring's text."""
    document = TeamDocument(
        team=TeamSpec(name="Weather", kind="two_agent", members=["asker", "helper"], initiator="asker", max_turns=2),
        agents=[AgentSpec(name="asker", kind="user_proxy", human_input_mode="NEVER"),
                AgentSpec(name="helper", kind="assistant", model="Scripted", tools=["forecast"])],
        models=[ModelSpec(name="Scripted", model="openai/helper", api_base=llm.url, stream=False,
                          extra={"max_retries": 0})],
        tools=[ToolSpec(name="forecast", source=GOOGLE)],
    )
    llm.script("helper", [tool_call("forecast", {"city": "Oslo"}), say("Sunny. TERMINATE")])
    built = build_team(document, tmp_path, {"Scripted": "k"})
    try:
        built.initiator.initiate_chat(built.recipient, message="Weather in Oslo?", **built.chat_kwargs)
    finally:
        built.close()
    sent = llm.requests_for("helper")[0]["tools"]
    properties = sent[0]["function"]["parameters"]["properties"]
    assert properties["city"]["description"] == "The city to look up, for example Paris."
    assert properties["days"]["description"] == "How many days ahead."
    assert sent[0] == _static(GOOGLE, "forecast")  # what the Tools page showed
    assert "Oslo: sunny for 1 day(s), in C" in json.dumps(llm.requests_for("helper")[1]["messages"])
