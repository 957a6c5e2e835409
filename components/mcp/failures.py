"""Why a server could not be started or reached, as the end of a sentence that begins with its name."""

from __future__ import annotations

from components.mcp.servers import McpServer, McpStdioServer


def start_failure_reason(server: McpServer, exc: BaseException) -> str:
    """E.g. 'could not start: the command "nope" was not found ...' for ``McpServerError``."""
    leaf = _innermost(exc)
    if isinstance(server, McpStdioServer):
        if isinstance(leaf, FileNotFoundError):
            return (f'could not start: the command "{server.command}" was not found '
                    "(is it installed, and on the PATH of the process that runs the team?)")
        if isinstance(leaf, PermissionError):
            return f'could not start: the command "{server.command}" may not be run (permission denied)'
        if isinstance(leaf, OSError):
            return f"could not start: {leaf.strerror or leaf}"
        return f"({server.command_line()}) exited before it completed the MCP handshake ({_text(leaf)})"
    name = type(leaf).__name__
    if name in {"ConnectError", "ConnectTimeout"} or isinstance(leaf, ConnectionError):
        return f"cannot be reached: {_text(leaf)} (is the server running at that address?)"
    if name == "HTTPStatusError":
        response = getattr(leaf, "response", None)
        status = f"{response.status_code} {response.reason_phrase}".strip() if response is not None else _text(leaf)
        return f"answered HTTP {status} instead of speaking MCP (check the URL and the transport)"
    return f"could not be connected: {_text(leaf)}"


def _innermost(exc: BaseException) -> BaseException:
    while True:
        if isinstance(exc, BaseExceptionGroup) and exc.exceptions:
            exc = exc.exceptions[0]
        elif exc.__cause__ is not None and not str(exc).strip():
            exc = exc.__cause__
        else:
            return exc


def _text(exc: BaseException) -> str:
    return str(exc).strip() or type(exc).__name__
