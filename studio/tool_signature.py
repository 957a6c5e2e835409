"""A tool's schema read from its source with ``ast``, without running a line of it.

A tool's source may come from a shared team file: checking it (name, signature, docstring, schema) must
never execute it in the studio process. Type hints are rebuilt from the syntax tree using only known
names (builtins and ``typing``: ``str``, ``list[int]``, ``Annotated[str, "..."]``, ``Literal[...]``,
``X | None``, ...) and turned into JSON schema by pydantic exactly as ``components.function_schema``
does when a run registers the real function. A hint naming something only the running code defines
(a pydantic model in the file, an imported type) is shown as such; its exact schema is made when a run
that uses the tool starts. Default values are read with ``ast.literal_eval``.

A parameter without an ``Annotated`` description takes the one its docstring gives
(``studio.tool_docstrings``); ``studio.tool_loading`` gives the loaded function the same descriptions, so
what this page shows is what a run sends.
"""

from __future__ import annotations

import ast
import typing
from typing import Any

from pydantic import TypeAdapter

from studio.tool_docstrings import parameter_docs

_BUILTINS: dict[str, Any] = {
    "str": str, "int": int, "float": float, "bool": bool, "bytes": bytes, "list": list, "dict": dict,
    "tuple": tuple, "set": set, "frozenset": frozenset, "None": None, "object": object,
}
_TYPING = {name: getattr(typing, name) for name in (
    "Annotated", "Any", "Dict", "List", "Literal", "Optional", "Set", "Tuple", "Union", "FrozenSet", "Sequence",
    "Mapping",
)}


class UnknownType(Exception):
    """A hint names something only the running code knows (a class defined in the tool, an import)."""


def _hint(node: ast.expr) -> Any:
    """The typing object an annotation's syntax stands for; UnknownType if it needs the code to run."""
    match node:
        case ast.Constant(value=None):
            return None
        case ast.Constant(value=str() as text):  # a string annotation: parse it the same way
            return _hint(ast.parse(text, mode="eval").body)
        case ast.Name(id=name) if name in _BUILTINS:
            return _BUILTINS[name]
        case ast.Name(id=name) if name in _TYPING:
            return _TYPING[name]
        case ast.Attribute(value=ast.Name(id="typing" | "t"), attr=attr) if attr in _TYPING:
            return _TYPING[attr]
        case ast.BinOp(left=left, op=ast.BitOr(), right=right):
            return typing.Union[_hint(left), _hint(right)]  # noqa: UP007 - built from parts at run time
        case ast.Subscript(value=origin, slice=index):
            base = _hint(origin)
            items = index.elts if isinstance(index, ast.Tuple) else [index]
            if base is typing.Literal:
                return typing.Literal[tuple(ast.literal_eval(item) for item in items)]
            if base is typing.Annotated:
                return typing.Annotated[(_hint(items[0]), *(_metadata(item) for item in items[1:]))]
            args = tuple(_hint(item) for item in items)
            return base[args if len(args) > 1 else args[0]]
    raise UnknownType(ast.unparse(node))


def _metadata(node: ast.expr) -> Any:
    try:
        return ast.literal_eval(node)
    except ValueError:
        return None  # e.g. a pydantic Field(...): the description, if any, comes from the running code


def _parameter_schema(annotation: ast.expr, name: str, documented: str | None = None) -> dict[str, Any]:
    """One parameter's schema; its description from ``Annotated``, else the docstring, else its name."""
    try:
        hint = _hint(annotation)
    except (UnknownType, ValueError, TypeError, SyntaxError):
        return {"description": documented or name, "x-roundtable-type": ast.unparse(annotation)}
    base, description = hint, None
    if typing.get_origin(hint) is typing.Annotated:
        base, *meta = typing.get_args(hint)
        description = next((m for m in meta if isinstance(m, str)), None)
    schema = TypeAdapter(base).json_schema()
    schema.pop("title", None)
    schema["description"] = description or documented or name
    return schema


def static_schema(function: ast.FunctionDef | ast.AsyncFunctionDef, description: str = "") -> dict[str, Any]:
    """The chat-completions tool schema of ``function`` (raises ValueError as ``function_schema`` does)."""
    name = function.name
    docstring = ast.get_docstring(function) or ""
    documented = parameter_docs(docstring)
    description = description or docstring
    if not description:
        raise ValueError(f"function {name!r} needs a description: pass description=... or give it a docstring")
    args = function.args
    positional = [*args.posonlyargs, *args.args]
    defaults: dict[str, ast.expr] = dict(zip([a.arg for a in positional[len(positional) - len(args.defaults):]],
                                             args.defaults, strict=True))
    defaults.update({a.arg: d for a, d in zip(args.kwonlyargs, args.kw_defaults, strict=True) if d is not None})
    properties: dict[str, Any] = {}
    required: list[str] = []
    for arg in [*positional, *args.kwonlyargs]:
        if arg.annotation is None:
            raise ValueError(f"parameter {arg.arg!r} of {name!r} has no type hint; add one, e.g. {arg.arg}: str")
        schema = _parameter_schema(arg.annotation, arg.arg, documented.get(arg.arg))
        if arg.arg in defaults:
            try:
                schema["default"] = ast.literal_eval(defaults[arg.arg])
            except ValueError:
                schema["x-roundtable-default"] = ast.unparse(defaults[arg.arg])
        else:
            required.append(arg.arg)
        properties[arg.arg] = schema
    parameters: dict[str, Any] = {"type": "object", "properties": properties}
    if required:
        parameters["required"] = required
    return {"type": "function", "function": {"name": name, "description": description, "parameters": parameters}}
