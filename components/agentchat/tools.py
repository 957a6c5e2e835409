"""Tools: JSON schemas from type hints, registering functions for the LLM and for execution, running calls."""

from __future__ import annotations

import functools
import inspect
import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated, Any, get_args, get_origin, get_type_hints

from pydantic import TypeAdapter

from components import runtime
from components.agentchat import async_chat
from components.events import ToolCall, ToolResult, new_id

if TYPE_CHECKING:
    from components.agentchat.conversable import Agent, ConversableAgent


# -- schemas -------------------------------------------------------------------------------------------
def _split_annotated(hint: Any) -> tuple[Any, str | None]:
    if get_origin(hint) is Annotated:
        base, *meta = get_args(hint)
        description = next((m for m in meta if isinstance(m, str)), None)
        return base, description
    return hint, None


def function_schema(func: Callable[..., Any], name: str | None = None, description: str | None = None) -> dict[str, Any]:
    """The chat-completions tool schema of ``func``: parameters from type hints (``Annotated[T, "desc"]``)."""
    name = name or func.__name__
    description = description or inspect.getdoc(func) or ""
    if not description:
        raise ValueError(f"function {name!r} needs a description: pass description=... or give it a docstring")
    hints = get_type_hints(func, include_extras=True)
    properties: dict[str, Any] = {}
    required: list[str] = []
    for param in inspect.signature(func).parameters.values():
        if param.kind in (param.VAR_POSITIONAL, param.VAR_KEYWORD):
            continue
        if param.name not in hints:
            raise ValueError(f"parameter {param.name!r} of {name!r} has no type hint; add one, e.g. {param.name}: str")
        base, param_description = _split_annotated(hints[param.name])
        schema = TypeAdapter(base).json_schema()
        schema.pop("title", None)
        schema["description"] = param_description or param.name
        if param.default is inspect.Parameter.empty:
            required.append(param.name)
        else:
            schema["default"] = param.default
        properties[param.name] = schema
    parameters: dict[str, Any] = {"type": "object", "properties": properties}
    if required:
        parameters["required"] = required
    return {"type": "function", "function": {"name": name, "description": description, "parameters": parameters}}


def _typed_call(func: Callable[..., Any]) -> Callable[..., str]:
    """Wrap ``func`` so JSON arguments are validated into its hinted types and the result becomes text."""
    hints = get_type_hints(func, include_extras=True)
    adapters = {n: TypeAdapter(_split_annotated(h)[0]) for n, h in hints.items() if n != "return"}

    @functools.wraps(func)
    def call(**kwargs: Any) -> str:
        typed = {k: adapters[k].validate_python(v) if k in adapters else v for k, v in kwargs.items()}
        result = async_chat.resolve(func(**typed))  # an async tool is awaited
        if isinstance(result, str):
            return result
        try:
            return json.dumps(result, default=str) if not hasattr(result, "model_dump_json") else result.model_dump_json()
        except TypeError:
            return str(result)

    call._origin = func  # type: ignore[attr-defined]
    return call


# -- registration (AutoGen's decorators) ---------------------------------------------------------------
def register_for_llm(
    self: ConversableAgent, *, name: str | None = None, description: str | None = None, api_style: str = "tool"
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Decorator: tell this agent's LLM about a function (its schema goes into ``llm_config["tools"]``)."""

    def decorator(func: Callable[..., Any]) -> Callable[..., Any]:
        if not self.llm_config:
            raise RuntimeError(f"LLM config must be setup before registering a function for LLM ({self.name}).")
        schema = function_schema(getattr(func, "_origin", func), name=name, description=description)
        key = "tools" if api_style == "tool" else "functions"
        entry = schema if api_style == "tool" else schema["function"]
        existing = [t for t in self.llm_config.get(key, []) if _schema_name(t) != _schema_name(entry)]
        self.llm_config[key] = [*existing, entry]
        self._refresh_client()
        return func

    return decorator


def register_for_execution(self: ConversableAgent, name: str | None = None) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Decorator: let this agent execute a function when a tool call names it."""

    def decorator(func: Callable[..., Any]) -> Callable[..., Any]:
        origin = getattr(func, "_origin", func)
        self.register_function({name or origin.__name__: _typed_call(origin)})
        return func

    return decorator


def register_function(
    f: Callable[..., Any], *, caller: ConversableAgent, executor: ConversableAgent, name: str | None = None,
    description: str | None = None,
) -> None:
    """Register ``f`` so ``caller``'s LLM may call it and ``executor`` runs it."""
    caller.register_for_llm(name=name, description=description)(f)
    executor.register_for_execution(name=name)(f)


def _schema_name(schema: dict[str, Any]) -> str:
    return schema.get("function", schema).get("name", "")


# -- execution -----------------------------------------------------------------------------------------
def execute_function(
    self: ConversableAgent, func_call: dict[str, Any], call_id: str | None = None, verbose: bool = False, caller: str = ""
) -> tuple[bool, dict[str, Any]]:
    """Run one function call; returns (ok, {"name", "role": "function", "content"})."""
    name = func_call.get("name", "")
    func = self._function_map.get(name)
    arguments = func_call.get("arguments") or "{}"
    call_id = call_id or new_id()
    runtime.emit(ToolCall(agent=self.name, caller=caller, call_id=call_id, name=name, arguments=str(arguments)))
    ok = False
    if func is None:
        content = f"Error: Function {name} not found."
    else:
        try:
            args = json.loads(str(arguments).strip() or "{}")
        except json.JSONDecodeError as exc:
            content = f"Error: {exc}\n The argument must be in JSON format."
        else:
            try:
                content = str(async_chat.resolve(func(**args)))  # function_map entries may be async too
                ok = True
            except Exception as exc:  # noqa: BLE001 - a failing tool is reported to the model, as AutoGen does
                content = f"Error: {exc}"
    runtime.emit(ToolResult(agent=self.name, call_id=call_id, name=name, content=content, ok=ok))
    return ok, {"name": name, "role": "function", "content": content}


def generate_function_call_reply(
    self: ConversableAgent, messages: list[dict[str, Any]] | None = None, sender: Agent | None = None, config: Any = None
) -> tuple[bool, dict[str, Any] | None]:
    if messages is None:
        messages = self._oai_messages[sender]
    message = messages[-1] if messages else {}
    call = message.get("function_call")
    if not call:
        return False, None
    _, result = self.execute_function(call, caller=sender.name if sender else "")
    return True, result


def generate_tool_calls_reply(
    self: ConversableAgent, messages: list[dict[str, Any]] | None = None, sender: Agent | None = None, config: Any = None
) -> tuple[bool, dict[str, Any] | None]:
    if messages is None:
        messages = self._oai_messages[sender]
    message = messages[-1] if messages else {}
    calls = message.get("tool_calls")
    if not calls:
        return False, None
    responses = []
    for call in calls:
        _, result = self.execute_function(call.get("function", {}), call_id=call.get("id"), caller=sender.name if sender else "")
        responses.append({"tool_call_id": call.get("id"), "role": "tool", "content": result["content"]})
    return True, {"role": "tool", "tool_responses": responses, "content": "\n\n".join(r["content"] for r in responses)}
