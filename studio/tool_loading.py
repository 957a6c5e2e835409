"""Turning a stored tool's source into the function a run registers (and the Tools page's trial calls).

The function is given the parameter descriptions its docstring holds (``studio.tool_docstrings``), the
same ones the Tools page shows (``studio.tool_signature``): each parameter that has a type hint but no
``Annotated[T, "..."]`` description gets ``Annotated[T, <the docstring's text>]`` in its
``__annotations__`` and ``__signature__``. ``components`` then builds the schema exactly as AutoGen
would for a function written that way, and stays AutoGen-faithful for functions registered directly.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated, Any

from studio.tool_docstrings import parameter_docs

if TYPE_CHECKING:
    from storage.documents import ToolSpec


def load_tool(tool: ToolSpec) -> Callable[..., Any]:
    """The function a tool's source defines (the source may import what it needs)."""
    return load_function(tool.source, tool.name, tool.description)


def load_function(source: str, name: str, description: str = "") -> Callable[..., Any]:
    """Run ``source`` and return its function ``name``, with the docstring's parameter descriptions."""
    namespace: dict[str, Any] = {"__name__": f"roundtable_tool_{name}"}
    exec(compile(source, f"<tool {name}>", "exec"), namespace)  # noqa: S102 - the user's own tool code
    func = namespace[name]
    if description and not func.__doc__:
        func.__doc__ = description
    describe_parameters_from_docstring(func)
    return func


def describe_parameters_from_docstring(func: Callable[..., Any]) -> None:
    """Put the docstring's parameter descriptions into ``func``'s annotations, where none is given."""
    from components.agentchat.function_schema import get_typed_signature, split_annotated

    documented = parameter_docs(func.__doc__)
    if not documented:
        return
    signature = get_typed_signature(func)
    annotations = dict(getattr(func, "__annotations__", {}) or {})
    params = []
    for param in signature.parameters.values():
        hint = param.annotation
        text = documented.get(param.name)
        if text and hint is not inspect.Parameter.empty and not isinstance(hint, str) and split_annotated(hint)[1] is None:
            hint = Annotated[hint, text]
            annotations[param.name] = hint
            param = param.replace(annotation=hint)
        params.append(param)
    func.__annotations__ = annotations
    func.__signature__ = signature.replace(parameters=params)  # type: ignore[attr-defined]
