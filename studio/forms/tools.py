"""The Tools page's form: a ToolSpec <-> form values, and saving it after checking the code."""

from __future__ import annotations

import json
import uuid
from functools import partial
from typing import Any

from pydantic import ValidationError

from storage import Database
from storage.designs import save_tool
from storage.documents import ToolSpec
from studio.auth import current_actor
from studio.code_box import take_edit
from studio.formstate import Form
from studio.tool_check import NEW_TOOL_SOURCE, check_tool, functions_in


def new_values() -> dict[str, Any]:
    return {"source": NEW_TOOL_SOURCE, "description": "", "editor": uuid.uuid4().hex[:8]}


def values_from_spec(spec: ToolSpec) -> dict[str, Any]:
    """The form's values; ``editor`` names a fresh code editor, so each loaded tool starts a new one."""
    return {"source": spec.source, "description": spec.description, "editor": uuid.uuid4().hex[:8]}


def sample_arguments(parameters: dict[str, Any]) -> str:
    """Arguments to start a trial from, as JSON: each parameter's default, else a value of its type."""
    samples = {"string": "example", "integer": 1, "number": 1.5, "boolean": True, "array": [], "object": {}}

    def sample(schema: dict[str, Any]) -> Any:
        if "default" in schema:
            return schema["default"]
        if schema.get("enum"):
            return schema["enum"][0]
        if "const" in schema:
            return schema["const"]
        options = [s for s in schema.get("anyOf", []) if s.get("type") != "null"]
        if options:
            return sample(options[0])
        kind = schema.get("type")
        if kind == "array" and isinstance(schema.get("items"), dict) and schema["items"].get("type"):
            return [sample(schema["items"])]
        return samples.get(kind, None) if isinstance(kind, str) else None

    properties = parameters.get("properties") or {}
    return json.dumps({name: sample(schema) for name, schema in properties.items()}, indent=2)


def chosen_function(form: Form) -> str | None:
    """The function the tool is (the one chosen, else the only or first one in the code)."""
    functions = functions_in(form.get("source") or "")
    chosen = form.get("function")
    return chosen if chosen in functions else (functions[0] if functions else None)


def save(db: Database, form: Form) -> None:
    """Save button (on_click): refuse code that does not check, then store the tool."""
    form.clear_errors()
    take_edit(form, "source")  # the editor's last text (callbacks run before the page draws it)
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
