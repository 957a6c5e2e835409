"""Tools from MCP servers (the official ``mcp`` SDK, imported only when a session starts).

    from components.mcp import McpSession, McpStdioServer, register_mcp_tools

    with McpSession(McpStdioServer(name="time", command="mcp-server-time")) as time_server:
        register_mcp_tools(time_server, caller=assistant, executors=[user_proxy])
        user_proxy.initiate_chat(assistant, message="What time is it in Tokyo?")
"""

from components.mcp.errors import McpServerError, McpToolError
from components.mcp.servers import McpHttpServer, McpServer, McpStdioServer
from components.mcp.session import McpSession, McpToolInfo
from components.mcp.tools import choose_tools, register_mcp_tools, tool_schema

__all__ = [
    "McpHttpServer", "McpServer", "McpServerError", "McpSession", "McpStdioServer", "McpToolError",
    "McpToolInfo", "choose_tools", "register_mcp_tools", "tool_schema",
]
