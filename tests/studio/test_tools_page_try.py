"""Tools page: the list gives each tool's description, docstring parameter descriptions are shown, and "Try it"
runs the tool (in a child process) with sample arguments; viewers cannot run it (issue 15, item 11)."""

from __future__ import annotations

import json

from storage.designs import get_tool, save_tool
from storage.documents import ToolSpec
from storage.people import set_role, sign_in
from tests.studio.conftest import fresh
from tests.studio.helpers import click, texts, type_code

WEATHER = '''def forecast(city: str, days: int = 2) -> str:
    """Look up the weather for a city.

    Args:
        city: The city to look up, e.g. Paris.
        days: How many days ahead.
    """
    return f"{city}: sunny for {days} days"
'''

DIVIDE = '''def divide(a: int, b: int) -> float:
    """Divide a by b.

    :param a: The number to divide.
    :param b: What to divide it by.
    """
    return a / b
'''


def test_the_list_shows_the_description_or_the_docstrings_first_line(page, studio_db):  # type: ignore[no-untyped-def]
    save_tool(studio_db, ToolSpec(name="forecast", source=WEATHER))
    save_tool(studio_db, ToolSpec(name="divide", source=DIVIDE, description="Division, for the model."))
    shown = texts(page("tools"))
    assert "Look up the weather for a city." in shown and "Division, for the model." in shown
    assert "(no description)" not in shown and "Args:" not in shown


def test_docstring_parameter_descriptions_are_shown_and_in_the_schema(page, studio_db):  # type: ignore[no-untyped-def]
    at = type_code(click(page("tools"), "tools.new"), WEATHER)
    assert "- `city` (string, required): The city to look up, e.g. Paris." in texts(at)
    assert "- `days` (integer, optional, default 2): How many days ahead." in texts(at)
    schema = json.loads(at.json[0].value)
    assert schema["parameters"]["properties"]["city"]["description"] == "The city to look up, e.g. Paris."
    type_code(at, DIVIDE)
    assert "- `b` (integer, required): What to divide it by." in texts(at)


def test_try_it_runs_the_code_in_the_editor_with_sample_arguments(page, studio_db):  # type: ignore[no-untyped-def]
    at = click(page("tools"), "tools.new")  # the starter tool, count_words
    assert json.loads(at.text_area(key="tools.try.args").value) == {"text": "example"}
    click(at, "tools.try.run")
    assert "The tool answered" in texts(at) and at.code[-1].value == "1"
    at.text_area(key="tools.try.args").input('{"text": "one two three"}').run()
    click(at, "tools.try.run")
    assert at.code[-1].value == "3"
    type_code(at, WEATHER)  # other parameters: new sample arguments, the old answer is gone
    assert json.loads(at.text_area(key="tools.try.args").value) == {"city": "example", "days": 2}
    assert "The tool answered" not in texts(at)
    click(at, "tools.try.run")
    assert at.code[-1].value == "example: sunny for 2 days"


def test_try_it_errors_are_sentences(page, studio_db):  # type: ignore[no-untyped-def]
    at = type_code(click(page("tools"), "tools.new"), DIVIDE)
    at.text_area(key="tools.try.args").input('{"a": 1, "b": 0}').run()
    click(at, "tools.try.run")
    assert "The tool raised ZeroDivisionError: division by zero (line 7 of the code)" in texts(at)
    at.text_area(key="tools.try.args").input('{"a": 1,').run()
    click(at, "tools.try.run")
    assert "The arguments are not JSON" in texts(at)


def test_a_viewer_cannot_try_a_tool(page, studio_db, monkeypatch):  # type: ignore[no-untyped-def]
    admin = sign_in(studio_db, "idp|ada", "ada@example.org", "Ada")
    viewer = sign_in(studio_db, "idp|bob", "bob@example.org", "Bob")
    set_role(studio_db, admin, viewer.person_id, "viewer")
    viewer = sign_in(studio_db, "idp|bob", "bob@example.org", "Bob")
    monkeypatch.setattr("studio.auth._local", lambda db: viewer)
    at = click(page("tools"), "tools.new")
    assert "The code checks out" in texts(at)
    assert at.button(key="tools.try.run").disabled
    assert "Viewers cannot try tools" in texts(at)


def test_typed_code_survives_another_page_and_the_editor_starts_from_it(page, studio_db):  # type: ignore[no-untyped-def]
    at = type_code(click(page("tools"), "tools.new"), WEATHER)
    at.switch_page("views/agents.py").run()
    at.switch_page("views/tools.py").run()
    assert "- `city` (string, required): The city to look up, e.g. Paris." in texts(at)
    editor = f"tools.code.source.{at.session_state['tools.f.editor']}"
    assert at.session_state[f"{editor}.seed"] == WEATHER  # what the editor shows when it is drawn again
    click(at, "tools.save")
    assert get_tool(fresh(studio_db), "forecast").source == WEATHER


def test_a_studio_that_runs_no_code_on_its_host_refuses_the_trial(page, studio_db, monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.delenv("ROUNDTABLE_ALLOW_ANONYMOUS_CODE", raising=False)
    monkeypatch.setattr("studio.exposure.studio_exposed", lambda: True)  # reachable from elsewhere, no sign-in
    at = click(page("tools"), "tools.new")
    assert at.button(key="tools.try.run").disabled
    assert "Trying a tool runs its code on this machine, but this studio can be reached from other machines" in texts(at)
