"""The Tools page's MCP server form: form values <-> a ToolSpec of kind "mcp", listing the server's tools
and trying one. Listing and trying start the server's own process (or reach its URL) for that moment
only; nothing the server sends is run here, and its text is shown as text."""

from __future__ import annotations

import json
from typing import Any

from pydantic import ValidationError

from storage import Database, NameConflictError
from storage.designs import save_tool
from storage.documents import ToolSpec
from storage.errors import DocumentError
from storage.mcp_documents import McpServerSpec, McpToolEntry
from studio.auth import current_actor
from studio.formstate import Form

NEW_SERVER = "\x00new-mcp"
"""The selection value meaning "a new, unsaved MCP server" (``formstate.NEW`` is a new Python tool)."""

TRANSPORTS = {"stdio": "A command (stdio)", "streamable_http": "A URL (streamable HTTP)", "sse": "A URL (SSE)"}


def new_values() -> dict[str, Any]:
    return {"m_name": "", "m_description": "", "m_transport": "stdio", "m_command": "", "m_args": "", "m_env": "",
            "m_url": "", "m_headers": "", "m_timeout": 30.0, "m_tools": []}


def values_from_spec(spec: ToolSpec) -> dict[str, Any]:
    server = spec.server or McpServerSpec(command="?")
    return {
        "m_name": spec.name, "m_description": spec.description, "m_transport": server.transport,
        "m_command": server.command or "", "m_args": "\n".join(server.args), "m_env": " ".join(server.env),
        "m_url": server.url or "", "m_headers": "\n".join(f"{h}: {v}" for h, v in server.headers.items()),
        "m_timeout": float(server.timeout), "m_tools": [t.model_dump() for t in server.tools],
    }


def spec_from_form(form: Form) -> ToolSpec | None:
    """The design the form describes, or None with the problems recorded under their fields."""
    form.clear_errors()
    transport = form.get("m_transport") or "stdio"
    headers: dict[str, str] = {}
    for line in (form.get("m_headers") or "").splitlines():
        if line.strip():
            header, sep, variable = line.partition(":")
            if not sep:
                form.add_error("m_headers", f'write "Header: VARIABLE_NAME", one a line (got {line.strip()!r})')
                return None
            headers[header.strip()] = variable.strip()
    stdio = transport == "stdio"
    server = {
        "transport": transport,
        "command": ((form.get("m_command") or "").strip() or None) if stdio else None,
        "args": [a for a in (form.get("m_args") or "").splitlines() if a.strip()] if stdio else [],
        "env": (form.get("m_env") or "").replace(",", " ").split() if stdio else [],
        "url": None if stdio else (form.get("m_url") or "").strip() or None,
        "headers": {} if stdio else headers,
        "timeout": form.get("m_timeout") or 30,
        "tools": form.get("m_tools") or [],
    }
    try:
        return ToolSpec(name=(form.get("m_name") or "").strip(), kind="mcp",
                        description=(form.get("m_description") or "").strip(), server=server)
    except ValidationError as error:
        _take(form, error)
        return None


_FIELDS = {"command": "m_command", "args": "m_args", "env": "m_env", "url": "m_url", "headers": "m_headers",
           "timeout": "m_timeout", "name": "m_name", "description": "m_description"}


def _take(form: Form, error: ValidationError) -> None:
    for item in error.errors(include_url=False):
        loc = [str(part) for part in item["loc"] if not str(part).isdigit()]
        leaf = loc[-1] if loc else ""
        field = _FIELDS.get(leaf, "m_command" if form.get("m_transport") == "stdio" else "m_url")
        message = item["msg"].removeprefix("Value error, ")
        if item["type"] == "string_pattern_mismatch" and leaf == "name":
            message = "use letters, digits and _ only, starting with a letter (no spaces)"
        form.add_error(field, message)


def list_server_tools(form: Form) -> str | None:
    """Start the server, list its tools into the form; None, or a sentence saying why it could not."""
    spec = spec_from_form(form)
    if spec is None:
        return "Fix the fields marked in red first."
    from components.mcp import McpServerError, McpSession, McpToolError
    from studio.mcp_sources import engine_server

    try:
        with McpSession(engine_server(spec)) as session:
            listed = session.tools()
    except (McpServerError, McpToolError) as error:
        return str(error)
    form.set("m_tools", [McpToolEntry(name=t.name, description=t.description, input_schema=t.input_schema).model_dump()
                         for t in listed])
    return None


def example_arguments(schema: dict[str, Any]) -> str:
    """Sample arguments to edit: every property with an empty value of its type."""
    blank = {"string": "", "integer": 0, "number": 0, "boolean": False, "array": [], "object": {}}
    properties = schema.get("properties") or {}
    return json.dumps({name: blank.get(str(p.get("type")), None) for name, p in properties.items()}, indent=2)


def try_tool(form: Form, tool: str, arguments: str) -> tuple[bool, str]:
    """Call one tool with the JSON arguments typed: (ok, the result or the reason it failed)."""
    try:
        parsed = json.loads(arguments or "{}")
    except json.JSONDecodeError as error:
        return False, f"The arguments are not JSON: {error.msg} at line {error.lineno}, column {error.colno}."
    if not isinstance(parsed, dict):
        return False, 'The arguments must be a JSON object, such as {"timezone": "Europe/Paris"}.'
    spec = spec_from_form(form)
    if spec is None:
        return False, "Fix the fields marked in red first."
    from components.mcp import McpServerError, McpSession, McpToolError
    from studio.mcp_sources import engine_server

    try:
        with McpSession(engine_server(spec)) as session:
            return True, session.call(tool, parsed)
    except (McpServerError, McpToolError) as error:
        return False, str(error)


def save(db: Database, form: Form) -> None:
    """Save button (on_click): store the server with the tools it listed last."""
    from studio.formstate import flash

    spec = spec_from_form(form)
    if spec is None:
        return
    replacing = None if form.selected == NEW_SERVER else form.selected
    try:
        save_tool(db, spec, replacing=replacing, actor=current_actor())
    except NameConflictError:
        form.add_error("m_name", f"a tool or server named {spec.name} already exists: choose another name")
        return
    except DocumentError as error:
        form.take_document_error(error)
        return
    form.select(spec.name)
    form.reload()
    note = "" if spec.server and spec.server.tools else " List its tools so agents can choose among them."
    flash(form.page, f"Saved MCP server \u201c{spec.name}\u201d.{note}")
