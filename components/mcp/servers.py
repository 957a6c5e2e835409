"""MCP tool sources as value objects: a command started over stdio, or a URL (streamable HTTP or SSE).

A server definition never holds a secret: environment variables and header values are given by the NAME
of a variable of the running process, read only when the server is started.
"""

from __future__ import annotations

import os
import re
import shlex
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from components.mcp.errors import McpServerError

ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
DEFAULT_CALL_TIMEOUT = 30.0
DEFAULT_START_TIMEOUT = 30.0


@dataclass(frozen=True)
class McpStdioServer:
    """A server the run starts as a child process and talks to over its stdin and stdout."""

    name: str
    command: str
    args: tuple[str, ...] = ()
    env: tuple[str, ...] = ()
    """Names of environment variables passed through from this process (values are never stored)."""
    timeout: float = DEFAULT_CALL_TIMEOUT
    """Seconds one tool call may take."""
    start_timeout: float = DEFAULT_START_TIMEOUT

    def describe(self) -> str:
        return f'MCP server "{self.name}"'

    def command_line(self) -> str:
        return shlex.join([self.command, *self.args])

    def environment(self, environ: Mapping[str, str] | None = None) -> dict[str, str]:
        """The named variables' values; a name that is not set is an error naming it."""
        return _named_values(self, {name: name for name in self.env}, environ, "environment variable")


@dataclass(frozen=True)
class McpHttpServer:
    """A server already running somewhere, reached by URL."""

    name: str
    url: str
    transport: Literal["streamable_http", "sse"] = "streamable_http"
    headers: tuple[tuple[str, str], ...] = ()
    """(header, environment variable name) pairs: e.g. ("Authorization", "TIME_SERVER_TOKEN")."""
    timeout: float = DEFAULT_CALL_TIMEOUT
    start_timeout: float = DEFAULT_START_TIMEOUT

    def describe(self) -> str:
        return f'MCP server "{self.name}" ({self.url})'

    def header_values(self, environ: Mapping[str, str] | None = None) -> dict[str, str]:
        return _named_values(self, dict(self.headers), environ, "header variable")


McpServer = McpStdioServer | McpHttpServer


def _named_values(
    server: McpServer, names: dict[str, str], environ: Mapping[str, str] | None, what: str
) -> dict[str, str]:
    environ = os.environ if environ is None else environ
    missing = sorted({var for var in names.values() if var not in environ})
    if missing:
        raise McpServerError(
            f"{server.describe()} needs the {what} {', '.join(missing)}, which is not set in the environment "
            "this run was started with: set it there (its value is never stored in a design)"
        )
    return {key: environ[var] for key, var in names.items()}
