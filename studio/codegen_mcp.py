"""The MCP part of a team's Python export: the servers as ``components.mcp`` value objects, and the
``with`` that starts them for the chat and registers the tools each agent chose.

Every value from the design (commands, arguments, URLs, names) is written with ``repr``, so a hostile
team file can only produce string literals. Secrets stay out: the script names environment variables.
"""

from __future__ import annotations

from storage.documents import TeamDocument, ToolSpec


def mcp_imports(document: TeamDocument) -> str:
    kinds = {t.server.transport for t in document.tools if t.kind == "mcp" and t.server is not None}
    if not kinds:
        return ""
    names = ["McpServerError", "McpSession", "register_mcp_tools"]
    names += ["McpStdioServer"] if "stdio" in kinds else []
    names += ["McpHttpServer"] if kinds - {"stdio"} else []
    return "\nfrom components.mcp import " + ", ".join(sorted(names, key=str.lower))


def mcp_servers(servers: list[ToolSpec], server_vars: dict[str, tuple[str, str]]) -> list[str]:
    """One definition per server the team uses (started in ``main``)."""
    lines = []
    for tool in servers:
        spec = tool.server
        assert spec is not None
        constant = server_vars[tool.name][0]
        if spec.transport == "stdio":
            lines.append(f"# MCP server {tool.name!r}: started over stdio when the chat starts, stopped when it ends.")
            if spec.env:
                lines.append(f"# It gets the environment variables {', '.join(spec.env)} from yours (set them first).")
            args = [f"name={tool.name!r}", f"command={spec.command!r}", f"args={tuple(spec.args)!r}",
                    f"env={tuple(spec.env)!r}", f"timeout={spec.timeout!r}"]
            lines.append(f"{constant} = McpStdioServer({', '.join(args)})")
        else:
            lines.append(f"# MCP server {tool.name!r}: reached at its URL when the chat starts.")
            if spec.headers:
                lines.append("# Header values are read from the environment variables named here.")
            args = [f"name={tool.name!r}", f"url={spec.url!r}", f"transport={spec.transport!r}",
                    f"headers={tuple(spec.headers.items())!r}", f"timeout={spec.timeout!r}"]
            lines.append(f"{constant} = McpHttpServer({', '.join(args)})")
    return lines


def mcp_registrations(
    document: TeamDocument, agent_vars: dict[str, str], server_vars: dict[str, tuple[str, str]]
) -> tuple[str, list[str]]:
    """(the ``with`` line that starts every server, the lines registering each agent's chosen tools)."""
    if not server_vars:
        return "", []
    opening = "with " + ", ".join(f"McpSession({c}) as {v}" for c, v in server_vars.values()) + ":"
    proxies = [agent_vars[a.name] for a in document.agents if a.name in agent_vars and a.kind == "user_proxy"]
    executors = "[" + ", ".join(proxies or list(agent_vars.values())) + "]"
    lines = []
    for agent in document.agents:
        if agent.name not in agent_vars:
            continue
        for name in agent.tools:
            if name in server_vars:
                only = agent.mcp_tools.get(name)
                extra = f", only={only!r}" if only else ""
                lines.append(f"register_mcp_tools({server_vars[name][1]}, caller={agent_vars[agent.name]}, "
                             f"executors={executors}{extra})")
    return opening, lines
