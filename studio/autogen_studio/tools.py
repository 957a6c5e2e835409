"""AutoGen ``FunctionTool`` components as Roundtable tools.

The source code is attacker-written: it is parsed and checked exactly as a tool typed on the Tools page
(``studio.tool_check``: syntax, the function, installed imports, typed parameters), stored, and never
run by the import. A tool that fails a check is left out with the check's own sentence.
"""

from __future__ import annotations

import ast
import re
import textwrap
from typing import Any

from components.coding.python_source import UnreadableSource, parse_source
from storage.documents import ToolSpec
from studio.autogen_studio.components import Component, Findings, build, shown, text_field
from studio.tool_check import check_tool

_MODULE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$")
_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
MAX_SOURCE = 200_000


def _import_line(item: Any) -> str | None:
    """One of FunctionTool's ``global_imports`` as a Python line, or None when it is not a plain import.

    AutoGen writes ``"math"``, ``{"name": "numpy", "alias": "np"}`` or ``{"module": "typing", "imports":
    ["Annotated", {"name": "Any", "alias": "A"}]}``; only names are accepted, so no code can ride along.
    """
    def alias(entry: Any, pattern: re.Pattern[str]) -> str | None:
        if isinstance(entry, str):
            return entry if pattern.match(entry) else None
        if isinstance(entry, dict) and isinstance(entry.get("name"), str) and isinstance(entry.get("alias"), str):
            if pattern.match(entry["name"]) and _IDENTIFIER.match(entry["alias"]):
                return f"{entry['name']} as {entry['alias']}"
        return None

    if isinstance(item, dict) and "module" in item:
        module, names = item.get("module"), item.get("imports")
        if not isinstance(module, str) or not _MODULE.match(module) or not isinstance(names, list) or not names:
            return None
        parts = [alias(name, _IDENTIFIER) for name in names]
        return None if None in parts else f"from {module} import {', '.join(p for p in parts if p)}"
    line = alias(item, _MODULE)
    return f"import {line}" if line else None


def _parse(source: str) -> ast.Module | str:
    """The syntax tree, or why there is none: code nested past the parser's limits (``-`` * 100,000, say)
    exhausts its memory or recursion instead of raising SyntaxError."""
    try:
        return parse_source(source)
    except UnreadableSource as error:
        return str(error)


def _defined_function(tree: ast.Module) -> str | None:
    return next((n.name for n in tree.body if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)), None)


def map_tool(tool: Component, what: str, findings: Findings) -> ToolSpec | None:
    """A ToolSpec for a FunctionTool, or None with the reason recorded."""
    if tool.kind != "FunctionTool":
        findings.skip(f"{what} ({shown(tool.provider)})", "only Python function tools (FunctionTool) are imported")
        return None
    config = tool.config
    code = text_field(config, "source_code", what, findings, limit=MAX_SOURCE)
    if not code or not code.strip():
        if code is not None or config.get("source_code") is None:  # else text_field said what is wrong
            findings.skip(what, 'has no "source_code"')
        return None
    imports = config.get("global_imports") or []
    imports = imports if isinstance(imports, list) else [imports]
    lines = [_import_line(item) for item in imports]
    if None in lines:
        bad = imports[lines.index(None)]
        findings.skip(what, f"its global import \"{shown(bad)}\" is not a module or name")
        return None
    source = "\n".join(dict.fromkeys(line for line in lines if line))
    source = (source + "\n\n\n" if source else "") + textwrap.dedent(code).strip() + "\n"
    tree = _parse(source)
    if isinstance(tree, str):
        findings.skip(f'{what} "{shown(config.get("name"))}"', f"the code does not pass the Tools page's checks: {tree}")
        return None
    function = _defined_function(tree)
    name = text_field(config, "name", what, findings, limit=64) or function
    if function and name != function:
        findings.note(f'Tool "{shown(name)}" is imported under its function\'s name "{function}".')
        name = function
    description = text_field(config, "description", what, findings, limit=10_000) or ""
    check = check_tool(source, name, description)
    if not check.ok:
        findings.skip(f'{what} "{shown(name)}"', f"the code does not pass the Tools page's checks: {check.error}")
        return None
    return build(ToolSpec, {"name": name, "description": description, "source": source}, f'{what} "{shown(name)}"',
                 findings)
