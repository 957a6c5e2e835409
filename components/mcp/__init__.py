"""Tools from MCP servers (the official ``mcp`` SDK, imported only when a session starts).

    from components.mcp import McpSession, McpStdioServer, register_mcp_tools

    with McpSession(McpStdioServer(name="time", command="mcp-server-time")) as time_server:
        register_mcp_tools(time_server, caller=assistant, executors=[user_proxy])
        user_proxy.initiate_chat(assistant, message="What time is it in Tokyo?")

The names load on first use (``components.lazy_exports``), so that ``components.mcp.errors`` alone is cheap.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from components.lazy_exports import lazy_exports

if TYPE_CHECKING:
    from components.mcp.errors import McpServerError, McpToolError
    from components.mcp.servers import McpHttpServer, McpServer, McpStdioServer
    from components.mcp.session import McpSession, McpToolInfo
    from components.mcp.tools import choose_tools, register_mcp_tools, tool_schema

_EXPORTS: dict[str, str] = {
    **dict.fromkeys(["McpServerError", "McpToolError"], "components.mcp.errors"),
    **dict.fromkeys(["McpHttpServer", "McpServer", "McpStdioServer"], "components.mcp.servers"),
    **dict.fromkeys(["McpSession", "McpToolInfo"], "components.mcp.session"),
    **dict.fromkeys(["choose_tools", "register_mcp_tools", "tool_schema"], "components.mcp.tools"),
}
__getattr__, __dir__ = lazy_exports(__name__, globals(), _EXPORTS)

__all__ = [
    "McpHttpServer", "McpServer", "McpServerError", "McpSession", "McpStdioServer", "McpToolError",
    "McpToolInfo", "choose_tools", "register_mcp_tools", "tool_schema",
]
