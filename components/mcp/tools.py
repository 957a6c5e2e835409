"""Offering a server's tools to a model exactly like Python tools: the same schema shape in
``llm_config["tools"]``, and a function in the executors' function map, so a call goes through
``execute_function`` and publishes the same ``tool_call`` / ``tool_result`` events."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any

from components.agentchat.tools import assert_valid_name
from components.mcp.errors import McpServerError
from components.mcp.session import McpSession, McpToolInfo

if TYPE_CHECKING:
    from components.agentchat.conversable import ConversableAgent


def tool_schema(tool: McpToolInfo) -> dict[str, Any]:
    """The chat-completions schema of an MCP tool: its input schema is already JSON schema."""
    parameters = dict(tool.input_schema) or {"type": "object", "properties": {}}
    parameters.setdefault("type", "object")
    parameters.setdefault("properties", {})
    return {"type": "function", "function": {"name": tool.name, "description": tool.description, "parameters": parameters}}


def tool_function(session: McpSession, name: str) -> Callable[..., str]:
    """A function for an executor's function map: its keyword arguments go to the server as the call's arguments."""

    def call(**arguments: Any) -> str:
        return session.call(name, arguments)

    call.__name__ = name
    call._mcp_session = session  # type: ignore[attr-defined]
    call.__doc__ = f"The tool {name} of {session.server.describe()}."
    return call


def choose_tools(session: McpSession, only: Sequence[str] | None = None) -> list[McpToolInfo]:
    """The listed tools, or those named in ``only`` (a name the server does not offer is an error)."""
    listed = {tool.name: tool for tool in session.tools()}
    names = list(listed) if only is None else list(dict.fromkeys(only))
    missing = [name for name in names if name not in listed]
    if missing:
        offered = ", ".join(listed) or "none"
        raise McpServerError(
            f"{session.server.describe()} has no tool {', '.join(repr(m) for m in missing)} (it offers: {offered})"
        )
    chosen = [listed[name] for name in names]
    for tool in chosen:
        try:
            assert_valid_name(tool.name)
        except ValueError:
            raise McpServerError(
                f"{session.server.describe()} offers a tool named {tool.name!r}, which a model cannot call "
                "(names may contain only letters, digits, _ and -, at most 64 characters)"
            ) from None
    return chosen


def register_mcp_tools(
    session: McpSession, *, caller: ConversableAgent, executors: Iterable[ConversableAgent],
    only: Sequence[str] | None = None,
) -> list[str]:
    """Offer the chosen tools of a started session to ``caller``'s model; ``executors`` run the calls.

    Returns the names registered.
    """
    chosen = choose_tools(session, only)
    executors = list(executors)
    for tool in chosen:
        _refuse_a_clash(session, tool.name, caller, executors)
    for tool in chosen:
        caller.update_tool_signature(tool_schema(tool), silent_override=True)
        for executor in executors:
            executor.register_function({tool.name: tool_function(session, tool.name)})
    return [tool.name for tool in chosen]


def _refuse_a_clash(
    session: McpSession, name: str, caller: ConversableAgent, executors: list[ConversableAgent]
) -> None:
    """Two tools of one name would send calls meant for one to the other: refuse, naming both."""
    for agent in [caller, *executors]:
        existing = agent.function_map.get(name)
        if existing is not None and getattr(existing, "_mcp_session", None) is not session:
            other = getattr(existing, "_mcp_session", None)
            where = other.server.describe() if other is not None else "a Python tool"
            raise McpServerError(
                f'{session.server.describe()} offers a tool "{name}", but {agent.name} already has a tool of that '
                f"name from {where}: choose only one of them for the agents"
            )
