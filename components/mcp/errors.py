"""MCP errors, each a sentence naming the server (and the tool, when there is one)."""

from __future__ import annotations

from components.errors import RoundtableError


class McpServerError(RoundtableError):
    """A server could not be started, reached, or listed; the run cannot offer its tools."""


class McpToolError(RoundtableError):
    """One tool call failed (the tool reported an error, timed out, or its server went away).

    Raised inside a tool function, so the agent reports it to the model as ``Error: ...`` and the run
    goes on, as with a Python tool that raises.
    """
