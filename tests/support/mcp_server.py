"""A small MCP server for the tests, written with the SDK's MCPServer (mcp 2's name for FastMCP).

    python tests/support/mcp_server.py stdio
    python tests/support/mcp_server.py http PORT     # streamable HTTP on 127.0.0.1:PORT/mcp
    python tests/support/mcp_server.py sse PORT      # SSE on 127.0.0.1:PORT/sse

It imports only the SDK, so it runs from any working directory (the engine starts stdio servers in a
temporary one).
"""

from __future__ import annotations

import os
import sys
import time

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError

server = MCPServer("roundtable-test")


@server.tool()
def add(a: int, b: int) -> str:
    """Add two whole numbers."""
    return str(a + b)


@server.tool()
def shout(text: str) -> str:
    """Return the text in capital letters."""
    return text.upper()


@server.tool()
def fail(reason: str) -> str:
    """Always fails, with the given reason."""
    raise ToolError(f"refused: {reason}")


@server.tool()
def sleep(seconds: float) -> str:
    """Wait this many seconds, then answer."""
    time.sleep(seconds)
    return f"slept {seconds}"


@server.tool()
def crash() -> str:
    """End the server process at once, mid-call."""
    os._exit(7)


@server.tool()
def environment() -> str:
    """The names of the environment variables the server was started with, and its working directory."""
    return " ".join(sorted(os.environ)) + f"\ncwd={os.getcwd()}"


if __name__ == "__main__":
    mode = sys.argv[1] if len(sys.argv) > 1 else "stdio"
    if mode == "stdio":
        server.run()
    elif mode == "http":
        server.run("streamable-http", host="127.0.0.1", port=int(sys.argv[2]))
    elif mode == "sse":
        server.run("sse", host="127.0.0.1", port=int(sys.argv[2]))
    else:
        raise SystemExit(f"unknown mode {mode!r}: use stdio, http PORT or sse PORT")
