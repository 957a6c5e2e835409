"""The design document of an MCP server, the second kind of tool source (``ToolSpec.kind == "mcp"``).

Like every design it never holds a secret: environment variables and HTTP header values are named, and
read from the environment of the process that starts the server. The tools the server listed last
are kept with it, so forms can offer them without starting the server; a run lists them again.
"""

from __future__ import annotations

from typing import Any, Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

ENV_NAME_PATTERN = r"^[A-Za-z_][A-Za-z0-9_]*$"
_ENV_NAME = Field(pattern=ENV_NAME_PATTERN, max_length=200)


class _Doc(BaseModel):
    model_config = ConfigDict(extra="forbid")


class McpToolEntry(_Doc):
    """One tool as the server listed it."""

    name: str = Field(min_length=1, max_length=200, description="The tool's name on the server.")
    description: str = Field(default="", description="What the server says the tool does.")
    input_schema: dict[str, Any] = Field(default_factory=dict, description="JSON schema of its arguments.")


class McpServerSpec(_Doc):
    """How to reach an MCP server: a command over stdio, or a URL (streamable HTTP or SSE)."""

    transport: Literal["stdio", "streamable_http", "sse"] = Field(default="stdio", description="How to talk to it.")
    command: str | None = Field(default=None, description="stdio: the program to start.")
    args: list[str] = Field(default_factory=list, description="stdio: its arguments.")
    env: list[str] = Field(
        default_factory=list, description="stdio: names of environment variables passed through (values never stored)."
    )
    url: str | None = Field(default=None, description="streamable_http / sse: the server's URL.")
    headers: dict[str, str] = Field(
        default_factory=dict, description="HTTP header -> name of the environment variable holding its value."
    )
    timeout: float = Field(default=30, gt=0, le=3600, description="Seconds one tool call may take.")
    tools: list[McpToolEntry] = Field(default_factory=list, description="The tools it listed last.")

    @field_validator("env")
    @classmethod
    def _env_names(cls, names: list[str]) -> list[str]:
        import re

        bad = [name for name in names if not re.match(ENV_NAME_PATTERN, name)]
        if bad:
            raise ValueError(
                f"{', '.join(repr(b) for b in bad)} is not an environment variable name (letters, digits and _): "
                "name the variable, never its value"
            )
        return list(dict.fromkeys(names))

    @field_validator("headers")
    @classmethod
    def _header_variables(cls, headers: dict[str, str]) -> dict[str, str]:
        import re

        bad = [header for header, var in headers.items() if not re.match(ENV_NAME_PATTERN, var)]
        if bad:
            raise ValueError(
                f"the header {', '.join(bad)} must name an environment variable that holds its value, "
                "not the value itself"
            )
        return headers

    @model_validator(mode="after")
    def _complete(self) -> McpServerSpec:
        if self.transport == "stdio":
            if not (self.command or "").strip():
                raise ValueError("a stdio server needs a command")
            if self.url or self.headers:
                raise ValueError("a stdio server takes a command, not a url or headers")
        else:
            parts = urlsplit(self.url or "")
            if parts.scheme not in ("http", "https") or not parts.netloc:
                raise ValueError(f"a {self.transport} server needs an http:// or https:// url, got {self.url!r}")
            if parts.username or parts.password:
                raise ValueError("the url must not carry a user name or password: name a header variable instead")
            if self.command or self.args or self.env:
                raise ValueError(f"a {self.transport} server takes a url, not a command")
        return self

    def tool_names(self) -> list[str]:
        return [tool.name for tool in self.tools]
