"""From a stored MCP server design (``storage.mcp_documents.McpServerSpec``) to the engine's value objects,
and the sessions a run opens: one per server the team uses, shared by the agents that use it."""

from __future__ import annotations

from components import Notice
from components.mcp import McpHttpServer, McpServer, McpSession, McpStdioServer
from components.runtime import emit
from storage.documents import ToolSpec


def engine_server(tool: ToolSpec) -> McpServer:
    """The engine's definition of the server a tool source names."""
    spec = tool.server
    if tool.kind != "mcp" or spec is None:
        raise ValueError(f'the tool "{tool.name}" is not an MCP server')
    if spec.transport == "stdio":
        return McpStdioServer(
            name=tool.name, command=spec.command or "", args=tuple(spec.args), env=tuple(spec.env), timeout=spec.timeout
        )
    return McpHttpServer(
        name=tool.name, url=spec.url or "", transport=spec.transport, headers=tuple(spec.headers.items()),
        timeout=spec.timeout,
    )


class RunSessions:
    """The MCP sessions of one run: started on first use, all closed together (also when a start fails)."""

    def __init__(self) -> None:
        self._sessions: dict[str, McpSession] = {}

    def session(self, tool: ToolSpec) -> McpSession:
        if tool.name not in self._sessions:
            session = McpSession(engine_server(tool))
            session.start()
            self._sessions[tool.name] = session
            names = ", ".join(t.name for t in session.tools()) or "none"
            emit(Notice(message=f'MCP server "{tool.name}" started; it offers the tools: {names}.'))
        return self._sessions[tool.name]

    def close(self) -> None:
        sessions, self._sessions = list(self._sessions.values()), {}
        for session in sessions:
            session.close()
