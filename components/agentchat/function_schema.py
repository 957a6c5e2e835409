"""From a Python function to the chat-completions tool schema, and back from JSON arguments to a call.

AutoGen exposes these helpers (``get_function_schema``, ``get_typed_signature``, ``serialize_to_str``,
``load_basemodels_if_needed``, ...) and code written for it imports them; they keep AutoGen's names and
return shapes. Parameter descriptions come from ``Annotated[T, "description"]``, defaults go under
``"default"``, pydantic models and other types are described by pydantic.
"""

from __future__ import annotations

import functools
import inspect
import json
import logging
from collections.abc import Callable
from typing import Annotated, Any, ForwardRef, get_args, get_origin, get_type_hints

from pydantic import BaseModel, TypeAdapter

from components.errors import FunctionSchemaError

logger = logging.getLogger(__name__)

__all__ = [
    "get_default_values",
    "get_function_schema",
    "get_missing_annotations",
    "get_param_annotations",
    "get_parameter_json_schema",
    "get_required_params",
    "get_typed_annotation",
    "get_typed_return_annotation",
    "get_typed_signature",
    "load_basemodels_if_needed",
    "serialize_to_str",
]


def get_typed_annotation(annotation: Any, globalns: dict[str, Any]) -> Any:
    """``annotation`` with a string (forward reference) resolved in ``globalns``."""
    if isinstance(annotation, str):
        annotation = ForwardRef(annotation)
    if isinstance(annotation, ForwardRef):
        from typing import _eval_type  # type: ignore[attr-defined]  # what get_type_hints itself uses

        annotation = _eval_type(annotation, globalns, globalns)
    return annotation


def _hints(call: Callable[..., Any]) -> dict[str, Any]:
    try:
        return get_type_hints(call, include_extras=True)
    except (NameError, TypeError):  # an annotation that cannot be resolved: use what is written
        return dict(getattr(call, "__annotations__", {}))


def get_typed_signature(call: Callable[..., Any]) -> inspect.Signature:
    """The signature of ``call`` with every annotation resolved (``from __future__ import annotations`` too)."""
    signature = inspect.signature(call)
    hints = _hints(call)
    params = [
        p.replace(annotation=hints.get(p.name, p.annotation)) for p in signature.parameters.values()
    ]
    return inspect.Signature(params, return_annotation=hints.get("return", signature.return_annotation))


def get_typed_return_annotation(call: Callable[..., Any]) -> Any:
    """The resolved return annotation of ``call``, or None when it has none."""
    annotation = get_typed_signature(call).return_annotation
    return None if annotation is inspect.Signature.empty else annotation


def get_param_annotations(typed_signature: inspect.Signature) -> dict[str, Any]:
    """Parameter name -> annotation, for the annotated parameters."""
    return {
        k: v.annotation for k, v in typed_signature.parameters.items() if v.annotation is not inspect.Signature.empty
    }


def get_required_params(typed_signature: inspect.Signature) -> list[str]:
    return [k for k, v in typed_signature.parameters.items() if v.default is inspect.Signature.empty]


def get_default_values(typed_signature: inspect.Signature) -> dict[str, Any]:
    return {k: v.default for k, v in typed_signature.parameters.items() if v.default is not inspect.Signature.empty}


def get_missing_annotations(typed_signature: inspect.Signature, required: list[str]) -> tuple[set[str], set[str]]:
    """(required parameters without annotation, parameters with a default but without annotation)."""
    unannotated = {k for k, v in typed_signature.parameters.items() if v.annotation is inspect.Signature.empty}
    missing = unannotated & set(required)
    return missing, unannotated - missing


def split_annotated(hint: Any) -> tuple[Any, str | None]:
    """``Annotated[T, "desc"]`` -> (T, "desc"); anything else -> (hint, None)."""
    if get_origin(hint) is Annotated:
        base, *meta = get_args(hint)
        return base, next((m for m in meta if isinstance(m, str)), None)
    return hint, None


def get_parameter_json_schema(k: str, v: Any, default_values: dict[str, Any]) -> dict[str, Any]:
    """The JSON schema of one parameter: pydantic's schema, its description, and its default if any."""
    base, description = split_annotated(v)
    schema = TypeAdapter(base).json_schema()
    schema.pop("title", None)
    if k in default_values:
        schema["default"] = default_values[k]
    schema["description"] = description or k
    return schema


def _parameters(func: Callable[..., Any]) -> list[inspect.Parameter]:
    return [
        p for p in get_typed_signature(func).parameters.values()
        if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
    ]


def get_function_schema(func: Callable[..., Any], *, name: str | None = None, description: str) -> dict[str, Any]:
    """``{"type": "function", "function": {"name", "description", "parameters"}}`` for ``func``.

    Raises ``FunctionSchemaError`` (a ``TypeError``, as in AutoGen) when a parameter without a default
    has no type hint.
    """
    name = name or func.__name__
    signature = inspect.Signature(_parameters(func))
    required = get_required_params(signature)
    defaults = get_default_values(signature)
    missing, unannotated_with_default = get_missing_annotations(signature, required)
    if missing:
        listed = ", ".join(f"'{k}'" for k in sorted(missing))
        raise FunctionSchemaError(
            f"All parameters of the function '{name}' without default values must be annotated. The annotations "
            f"are missing for the following parameters: {listed}; add a type hint, e.g. {sorted(missing)[0]}: str"
        )
    if unannotated_with_default:
        logger.warning(
            "parameters of %r with default values have no type hint: %s", name, ", ".join(sorted(unannotated_with_default))
        )
    properties = {k: get_parameter_json_schema(k, v, defaults) for k, v in get_param_annotations(signature).items()}
    parameters: dict[str, Any] = {"type": "object", "properties": properties}
    if required:
        parameters["required"] = required
    return {"type": "function", "function": {"name": name, "description": description, "parameters": parameters}}


def load_basemodels_if_needed(func: Callable[..., Any]) -> Callable[..., Any]:
    """Wrap ``func`` so arguments arriving as JSON values are validated into its hinted types
    (a dict becomes the pydantic model the parameter asks for)."""
    adapters = {p.name: TypeAdapter(split_annotated(p.annotation)[0]) for p in _parameters(func)
                if p.annotation is not inspect.Signature.empty}

    def typed(kwargs: dict[str, Any]) -> dict[str, Any]:
        return {k: adapters[k].validate_python(v) if k in adapters else v for k, v in kwargs.items()}

    if inspect.iscoroutinefunction(func):
        @functools.wraps(func)
        async def a_load(*args: Any, **kwargs: Any) -> Any:
            return await func(*args, **typed(kwargs))

        return a_load

    @functools.wraps(func)
    def load(*args: Any, **kwargs: Any) -> Any:
        return func(*args, **typed(kwargs))

    return load


def serialize_to_str(x: Any) -> str:
    """A tool's result as the text the model reads: strings as they are, pydantic models as their JSON,
    everything else as JSON (AutoGen 0.2's rule; AG2 0.14 prints dicts as Python reprs instead, which
    is not JSON), and ``str(x)`` for what JSON cannot express."""
    if isinstance(x, str):
        return x
    if isinstance(x, BaseModel):
        return x.model_dump_json()
    try:
        return json.dumps(x, ensure_ascii=False)
    except (TypeError, ValueError):
        try:
            return TypeAdapter(type(x)).dump_json(x).decode()
        except Exception:  # noqa: BLE001 - the last resort is the value's own text
            return str(x)
