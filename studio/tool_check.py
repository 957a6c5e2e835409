"""Checking a tool's source as it is typed: syntax first, then the JSON schema its LLM will see.

Checking never runs the source (it may come from a shared team file): the schema is read from the
syntax tree by ``studio.tool_signature``, with the same rules as ``components.function_schema`` (type
hints, ``Annotated`` descriptions, the docstring). Tool code runs only in a run somebody started.
"""

from __future__ import annotations

import ast
import importlib.util
import sys
from dataclasses import dataclass, field
from typing import Any

from components.coding.python_source import UnreadableSource, parse_source
from studio.tool_docstrings import summary
from studio.tool_signature import static_schema

NEW_TOOL_SOURCE = '''from typing import Annotated


def count_words(text: Annotated[str, "The text to count"]) -> int:
    """Count the words in a piece of text."""
    return len(text.split())
'''


@dataclass(frozen=True)
class ToolCheck:
    functions: list[str] = field(default_factory=list)
    error: str = ""  # a message for a person, or "" when the tool is fine
    line: int | None = None
    schema: dict[str, Any] | None = None

    @property
    def ok(self) -> bool:
        return not self.error


def functions_in(source: str) -> list[str]:
    """Top-level function names, or [] when the source does not parse."""
    try:
        tree = parse_source(source)
    except UnreadableSource:
        return []
    return [n.name for n in tree.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]


def tool_summary(source: str, name: str, description: str = "") -> str:
    """What the tool list says about a tool: its description, else its docstring's first line (read
    from the syntax tree, never run), else ""."""
    if description.strip():
        return summary(description)
    try:
        tree = parse_source(source)
    except UnreadableSource:
        return ""
    function = next((n for n in tree.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)) and n.name == name), None)
    return summary(ast.get_docstring(function)) if function is not None else ""


def check_tool(source: str, name: str | None, description: str = "") -> ToolCheck:
    """Everything wrong with the tool (syntax, no function, no docstring, a parameter without a type)."""
    try:
        parse_source(source)
    except UnreadableSource as error:
        return ToolCheck(error=str(error), line=error.line)
    functions = functions_in(source)
    if not functions:
        return ToolCheck(error="define a function: def my_tool(x: int) -> str: ...")
    name = name if name in functions else functions[0]
    tree = ast.parse(source)
    missing = _missing_imports(tree)
    if missing:
        return ToolCheck(functions, error=f"the code imports {', '.join(missing)}, which "
                         f"{'is' if len(missing) == 1 else 'are'} not installed on this machine")
    function = next(n for n in tree.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)) and n.name == name)
    try:
        schema = static_schema(function, description)
    except ValueError as error:
        return ToolCheck(functions, error=str(error))
    return ToolCheck(functions, schema=schema)


def _missing_imports(tree: ast.Module) -> list[str]:
    """Top-level modules the code imports that cannot be found (looked up, never imported)."""
    names: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [alias.name.split(".")[0] for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.append(node.module.split(".")[0])
    return [name for name in dict.fromkeys(names) if name not in sys.modules and importlib.util.find_spec(name) is None]


def describe_parameters(parameters: dict[str, Any]) -> str:
    """The parameters in words, e.g. "- `text` (string, required): The text to count the words of"."""
    properties = parameters.get("properties") or {}
    if not properties:
        return "It takes no parameters."
    required = set(parameters.get("required") or [])
    lines = ["**What the model fills in when it calls it:**"]
    for name, schema in properties.items():
        kind = (schema.get("type") or " or ".join(s.get("type", "?") for s in schema.get("anyOf", []))
                or (f"a {schema['x-roundtable-type']}, described when a run starts" if "x-roundtable-type" in schema
                    else "any value"))
        default = schema["x-roundtable-default"] if "x-roundtable-default" in schema else repr(schema.get("default"))
        need = "required" if name in required else f"optional, default {default}"
        lines.append(f"- `{name}` ({kind}, {need}): {schema.get('description', '')}")
    return "\n".join(lines)
