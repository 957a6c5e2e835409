"""The Tools page's form: a ToolSpec <-> form values, and saving it after checking the code."""

from __future__ import annotations

from functools import partial
from typing import Any

from pydantic import ValidationError

from storage import Database
from storage.designs import save_tool
from storage.documents import ToolSpec
from studio.auth import current_actor
from studio.formstate import Form
from studio.tool_check import NEW_TOOL_SOURCE, check_tool, functions_in


def new_values() -> dict[str, Any]:
    return {"source": NEW_TOOL_SOURCE, "description": ""}


def values_from_spec(spec: ToolSpec) -> dict[str, Any]:
    return {"source": spec.source, "description": spec.description}


def chosen_function(form: Form) -> str | None:
    """The function the tool is (the one chosen, else the only or first one in the code)."""
    functions = functions_in(form.get("source") or "")
    chosen = form.get("function")
    return chosen if chosen in functions else (functions[0] if functions else None)


def save(db: Database, form: Form) -> None:
    """Save button (on_click): refuse code that does not check, then store the tool."""
    form.clear_errors()
    source = form.get("source") or ""
    name = chosen_function(form)
    check = check_tool(source, name, form.get("description") or "")
    if not check.ok:
        form.add_error("source", check.error)
        return
    try:
        spec = ToolSpec(name=name, description=(form.get("description") or "").strip(), source=source)
    except ValidationError as error:
        form.take_validation_error(error, {"name": "source"})
        return
    conflict = ("source", f"a tool named {spec.name} already exists: rename the function")
    if form.store(partial(save_tool, db, actor=current_actor()), spec, conflict=conflict):
        form.saved(spec.name, "tool")
