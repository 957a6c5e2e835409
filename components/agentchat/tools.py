"""Tools: JSON schemas from type hints, registering functions for the LLM and for execution, running calls."""

from __future__ import annotations

import functools
import inspect
import json
import re
import warnings
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from components import runtime
from components.agentchat import async_chat
from components.agentchat.function_schema import (
    get_function_schema,
    load_basemodels_if_needed,
    serialize_to_str,
)
from components.coding.extract import message_text
from components.errors import FunctionSchemaError, LLMConfigRequired
from components.events import ToolCall, ToolResult, new_id

if TYPE_CHECKING:
    from components.agentchat.conversable import Agent, ConversableAgent


# -- schemas -------------------------------------------------------------------------------------------
def function_schema(func: Callable[..., Any], name: str | None = None, description: str | None = None) -> dict[str, Any]:
    """The chat-completions tool schema of ``func``: parameters from type hints (``Annotated[T, "desc"]``)."""
    name = name or func.__name__
    description = description or inspect.getdoc(func) or ""
    if not description:
        raise FunctionSchemaError(
            f"function {name!r} needs a description: pass description=... or give it a docstring"
        )
    return get_function_schema(func, name=name, description=description)


def _typed_call(func: Callable[..., Any]) -> Callable[..., str]:
    """Wrap ``func`` so JSON arguments are validated into its hinted types and the result becomes text."""
    load = load_basemodels_if_needed(func)

    @functools.wraps(func)
    def call(**kwargs: Any) -> str:
        return serialize_to_str(async_chat.resolve(load(**kwargs)))  # an async tool is awaited

    call._origin = func  # type: ignore[attr-defined]
    return call


# -- registration (AutoGen's decorators) ---------------------------------------------------------------
def register_for_llm(
    self: ConversableAgent, *, name: str | None = None, description: str | None = None, api_style: str = "tool"
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Decorator: tell this agent's LLM about a function (its schema goes into ``llm_config["tools"]``)."""

    def decorator(func: Callable[..., Any]) -> Callable[..., Any]:
        _check_tool(func)
        if not self.llm_config:
            raise LLMConfigRequired(
                f"LLM config must be setup before registering a function for LLM: {self.name} has no llm_config."
            )
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
        _check_tool(func)
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


_FUNCTION_NAME_RE = re.compile(r"^[a-zA-Z0-9_-]+$")


def assert_valid_name(name: str) -> str:
    """AutoGen's rule for function names: letters, digits, _ and -, at most 64 characters."""
    if not isinstance(name, str) or not _FUNCTION_NAME_RE.match(name) or len(name) > 64:
        raise ValueError(
            f"Invalid name: {name!r}. Function names may contain only letters, digits, _ and -, "
            "and be at most 64 characters long"
        )
    return name


def _check_tool(func: Any) -> None:
    if not callable(func) or isinstance(func, type):
        raise TypeError(f"'func_or_tool' must be a function, got '{type(func).__name__}' instead.")


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
                # AutoGen keeps the function's own return value (15 stays 15) in the stored message; the
                # model is sent its text (components.llm.client.to_llm_messages)
                content = async_chat.resolve(func(**args))  # function_map entries may be async too
                ok = True
            except Exception as exc:  # noqa: BLE001 - a failing tool is reported to the model, as AutoGen does
                content = f"Error: {exc}"
    runtime.emit(ToolResult(agent=self.name, call_id=call_id, name=name, content=message_text(content), ok=ok))
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
        content = "" if result["content"] is None else result["content"]
        responses.append({"tool_call_id": call.get("id"), "role": "tool", "content": content})
    return True, {"role": "tool", "tool_responses": responses, "content": "\n\n".join(message_text(r["content"]) for r in responses)}


# -- AutoGen's signature updaters ----------------------------------------------------------------------
def update_function_signature(
    self: ConversableAgent, func_sig: str | dict[str, Any], is_remove: bool = False, silent_override: bool = False
) -> None:
    """Add (or, with ``is_remove``, remove by name) a legacy ``functions`` entry of this agent's llm_config."""
    _update_signature(self, "functions", func_sig, is_remove, silent_override)


def update_tool_signature(
    self: ConversableAgent, tool_sig: str | dict[str, Any], is_remove: bool = False, silent_override: bool = False
) -> None:
    """Add (or, with ``is_remove``, remove by name) a ``tools`` entry of this agent's llm_config."""
    _update_signature(self, "tools", tool_sig, is_remove, silent_override)


def _update_signature(self: ConversableAgent, key: str, sig: str | dict[str, Any], is_remove: bool, silent: bool) -> None:
    kind = "function" if key == "functions" else "tool"
    if not self.llm_config:
        raise LLMConfigRequired(f"To update a {kind} signature, agent must have an llm_config ({self.name} has none).")
    entries = list(self.llm_config.get(key) or [])
    if is_remove:
        if not entries:
            raise LLMConfigRequired(f"The agent config doesn't have {kind} {sig}.")
        entries = [e for e in entries if _schema_name(e) != sig]
    else:
        if not isinstance(sig, dict):
            raise ValueError(f"The {kind} signature must be of the type dict. Received {kind} signature type {type(sig)}")
        name = _schema_name(sig)
        if not name:
            raise ValueError(f"The {kind} signature must have a 'name' key. Received: {sig}")
        self._assert_valid_name(name)
        if not silent and any(_schema_name(e) == name for e in entries):
            warnings.warn(f"Function '{name}' is being overridden.", UserWarning, stacklevel=3)
        entries = [e for e in entries if _schema_name(e) != name] + [sig]
    if entries:
        self.llm_config[key] = entries
    else:
        self.llm_config.pop(key, None)
    self._refresh_client()
