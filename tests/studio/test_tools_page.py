"""Tools page: write a function, see its schema, refuse broken code before saving, edit and delete."""

from __future__ import annotations

from storage.designs import get_tool, list_tools, save_agent
from storage.documents import AgentSpec
from studio.defaults import BUILTIN_MODEL_NAME
from tests.studio.conftest import fresh
from tests.studio.helpers import click, no_errors, texts, type_code

ADD = '''def add(a: int, b: int = 1) -> int:
    """Add two numbers."""
    return a + b
'''


def test_empty_state_then_the_starter_tool_checks_out_and_saves(page, studio_db):  # type: ignore[no-untyped-def]
    at = page("tools")
    assert "No tools yet" in texts(at)
    click(at, "tools.new")
    assert "The code checks out" in texts(at)
    schema = at.json[0].value
    assert '"name": "count_words"' in schema and '"The text to count"' in schema
    assert "- `text` (string, required): The text to count" in texts(at)
    click(at, "tools.save")
    tool = get_tool(fresh(studio_db), "count_words")
    assert tool.source.startswith("from typing import Annotated") and tool.description == ""


def test_syntax_errors_are_shown_before_saving(page, studio_db):  # type: ignore[no-untyped-def]
    at = click(page("tools"), "tools.new")
    type_code(at, "def broken(x: int)\n    return x\n")
    no_errors(at)
    assert "Python syntax error at line 1" in texts(at)
    assert at.button(key="tools.save").disabled
    type_code(at, "def untyped(x):\n    '''Doc.'''\n    return x\n")
    assert "parameter 'x' of 'untyped' has no type hint" in texts(at)
    type_code(at, "def nodoc(x: int) -> int:\n    return x\n")
    assert "needs a description" in texts(at)
    type_code(at, "import no_such_module_here\n\ndef f(x: int) -> int:\n    '''D.'''\n")
    assert "the code imports no_such_module_here, which is not installed on this machine" in texts(at)
    assert list_tools(fresh(studio_db)) == []


def test_schema_follows_the_code_and_a_description_overrides_the_docstring(page, studio_db):  # type: ignore[no-untyped-def]
    at = click(page("tools"), "tools.new")
    type_code(at, ADD)
    assert "- `a` (integer, required): a" in texts(at) and "- `b` (integer, optional, default 1): b" in texts(at)
    at.text_input(key="tools.f.description").input("Adds numbers for the agent.").run()
    assert "Adds numbers for the agent." in at.json[0].value
    click(at, "tools.save")
    tool = get_tool(fresh(studio_db), "add")
    assert tool.description == "Adds numbers for the agent." and tool.source == ADD


def test_edit_renames_the_tool_with_its_function(page, studio_db):  # type: ignore[no-untyped-def]
    at = click(page("tools"), "tools.new")
    type_code(at, ADD)
    click(at, "tools.save")
    type_code(at, ADD.replace("def add", "def plus"))
    click(at, "tools.save")
    assert [t.name for t in list_tools(fresh(studio_db))] == ["plus"]


def test_two_functions_ask_which_one_is_the_tool(page, studio_db):  # type: ignore[no-untyped-def]
    at = click(page("tools"), "tools.new")
    type_code(at, "def helper(x: int) -> int:\n    '''H.'''\n    return x\n\n" + ADD)
    at.selectbox(key="tools.f.function").set_value("add").run()
    click(at, "tools.save")
    assert [t.name for t in list_tools(fresh(studio_db))] == ["add"]


def test_delete_asks_first_and_refuses_a_tool_in_use(page, studio_db):  # type: ignore[no-untyped-def]
    at = click(page("tools"), "tools.new")
    type_code(at, ADD)
    click(at, "tools.save")
    save_agent(studio_db, AgentSpec(name="mathy", model=BUILTIN_MODEL_NAME, tools=["add"]))
    click(at, "tools.delete")
    assert "used by agent \u201cmathy\u201d" in texts(at) and at.button(key="tools.delete_confirm").disabled
    click(at, "tools.delete_cancel")
    at = click(page("tools"), "tools.new")
    type_code(at, ADD.replace("def add", "def spare"))
    click(at, "tools.save")
    click(at, "tools.delete")
    click(at, "tools.delete_confirm")
    assert "Deleted tool" in texts(at)
    assert [t.name for t in list_tools(fresh(studio_db))] == ["add"]


def test_looking_at_a_tool_never_runs_its_code(page, studio_db, tmp_path):  # type: ignore[no-untyped-def]
    """A tool from a shared team file: its top-level code would write a file if it ever ran (security, hole 5)."""
    from storage.designs import save_tool
    from storage.documents import ToolSpec

    marker = tmp_path / "ran.txt"
    source = (
        f"open({str(marker)!r}, 'w').write('top level ran')\n"
        "from typing import Annotated, Literal\n\n"
        "class Point:\n    pass\n\n"
        "def where(city: Annotated[str, 'The city'], unit: Literal['c', 'f'] = 'c', near: Point | None = None,\n"
        f"          at: float = __import__('os').system('touch {marker}')) -> str:\n"
        "    '''Say where.'''\n"
        f"    open({str(marker)!r}, 'w').write('body ran')\n"
        "    return city\n"
    )
    save_tool(studio_db, ToolSpec(name="where", source=source))
    at = click(page("tools"), "tools.pick.where")
    schema = at.json[0].value
    assert '"enum"' in schema and '"The city"' in schema, texts(at)
    assert "- `near` (a Point | None, described when a run starts, optional, default None)" in texts(at)
    assert not marker.exists(), "checking the tool executed its code"
