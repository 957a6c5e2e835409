"""Checking a tool's source as it is typed: syntax first, then the JSON schema its LLM will see.

The schema comes from ``components.function_schema`` (type hints, ``Annotated`` descriptions, the
docstring). To get it the source is run, as the run engine runs it when an agent uses the tool
(``studio.builder.load_tool``): it is the person's own code, on their own machine.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from typing import Any

from components import function_schema
from storage.documents import ToolSpec
from studio.builder import load_tool

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
        tree = ast.parse(source)
    except SyntaxError:
        return []
    return [n.name for n in tree.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]


def check_tool(source: str, name: str | None, description: str = "") -> ToolCheck:
    """Everything wrong with the tool (syntax, no function, no docstring, a parameter without a type)."""
    try:
        ast.parse(source)
    except SyntaxError as error:
        where = f"line {error.lineno}" + (f", column {error.offset}" if error.offset else "")
        return ToolCheck(error=f"Python syntax error at {where}: {error.msg}", line=error.lineno)
    functions = functions_in(source)
    if not functions:
        return ToolCheck(error="define a function: def my_tool(x: int) -> str: ...")
    name = name if name in functions else functions[0]
    try:
        func = load_tool(ToolSpec(name=name, description=description, source=source))
        schema = function_schema(func, name=name, description=description or None)
    except ValueError as error:
        return ToolCheck(functions, error=str(error))
    except Exception as error:  # noqa: BLE001 - the person's code may raise anything while it loads
        return ToolCheck(functions, error=f"the code fails when it is loaded: {type(error).__name__}: {error}")
    return ToolCheck(functions, schema=schema)


def describe_parameters(parameters: dict[str, Any]) -> str:
    """The parameters in words, e.g. "- `text` (string, required): The text to count the words of"."""
    properties = parameters.get("properties") or {}
    if not properties:
        return "It takes no parameters."
    required = set(parameters.get("required") or [])
    lines = ["**What the model fills in when it calls it:**"]
    for name, schema in properties.items():
        kind = schema.get("type") or " or ".join(s.get("type", "?") for s in schema.get("anyOf", [])) or "any value"
        need = "required" if name in required else f"optional, default {schema.get('default')!r}"
        lines.append(f"- `{name}` ({kind}, {need}): {schema.get('description', '')}")
    return "\n".join(lines)
