"""Design tables: model configs, tools, agents, teams and settings.

References are foreign keys by id with ON DELETE RESTRICT, so a rename never breaks a team and the
database itself refuses to delete something still in use. Nested, self-contained parts of an agent
(termination, code execution, context) are JSON columns.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, Column, Text
from sqlmodel import Field, SQLModel

from storage.tables.base import now, off_by_default


class ModelRow(SQLModel, table=True):
    __tablename__ = "models"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True)
    owner_id: int | None = Field(default=None, foreign_key="people.id", ondelete="RESTRICT", index=True, nullable=False)
    shared: bool = off_by_default()  # others may use it in their agents and teams
    share_key: bool = off_by_default()  # ...and its stored key ("others may use my key")
    model: str
    api_base: str | None = None
    api_key_env: str | None = None
    api_key: str | None = Field(default=None, repr=False)  # a key typed in the studio; never exported
    temperature: float | None = None
    max_tokens: int | None = None
    timeout: float | None = None
    stream: bool = True
    extra: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    created_at: float = Field(default_factory=now)
    updated_at: float = Field(default_factory=now)


class ToolRow(SQLModel, table=True):
    __tablename__ = "tools"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True)
    owner_id: int | None = Field(default=None, foreign_key="people.id", ondelete="RESTRICT", index=True, nullable=False)
    description: str = Field(default="", sa_type=Text)
    source: str = Field(sa_type=Text)  # "" for an MCP server
    kind: str = Field(default="python", sa_column_kwargs={"server_default": "python"})
    # an MCP server's definition (storage.mcp_documents.McpServerSpec as JSON); None for a Python tool
    server: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    created_at: float = Field(default_factory=now)
    updated_at: float = Field(default_factory=now)


class AgentRow(SQLModel, table=True):
    __tablename__ = "agents"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True)
    owner_id: int | None = Field(default=None, foreign_key="people.id", ondelete="RESTRICT", index=True, nullable=False)
    display_name: str | None = None
    kind: str
    description: str = Field(default="", sa_type=Text)
    system_message: str | None = Field(default=None, sa_type=Text)
    model_id: int | None = Field(default=None, foreign_key="models.id", ondelete="RESTRICT")
    human_input_mode: str
    max_consecutive_auto_reply: int | None = None
    termination: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    code_execution: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    context: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    default_auto_reply: str = Field(default="", sa_type=Text)
    created_at: float = Field(default_factory=now)
    updated_at: float = Field(default_factory=now)


class AgentToolRow(SQLModel, table=True):
    __tablename__ = "agent_tools"

    agent_id: int = Field(foreign_key="agents.id", primary_key=True, ondelete="CASCADE")
    tool_id: int = Field(foreign_key="tools.id", primary_key=True, ondelete="RESTRICT")
    position: int
    # for an MCP server: the names of its tools this agent may use; None: all of them
    only: list[str] | None = Field(default=None, sa_column=Column(JSON, nullable=True))


class TeamRow(SQLModel, table=True):
    __tablename__ = "teams"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True)
    owner_id: int | None = Field(default=None, foreign_key="people.id", ondelete="RESTRICT", index=True, nullable=False)
    shared: bool = off_by_default()  # everyone signed in may see and run it
    description: str = Field(default="", sa_type=Text)
    kind: str
    initiator_id: int = Field(foreign_key="agents.id", ondelete="RESTRICT")
    speaker_selection: str
    allow_repeat_speaker: bool = True
    # {"type": "allowed" | "disallowed", "edges": [[agent_id, [agent_id, ...]], ...]}: ids, so renames hold
    transitions: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    max_round: int
    max_turns: int | None = None
    summary_method: str
    manager_model_id: int | None = Field(default=None, foreign_key="models.id", ondelete="RESTRICT")
    send_introductions: bool = False
    # {"text_mention": str | None, "max_messages": int | None}, or None: no team-wide rule
    termination: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    created_at: float = Field(default_factory=now)
    updated_at: float = Field(default_factory=now)


class TeamMemberRow(SQLModel, table=True):
    __tablename__ = "team_members"

    team_id: int = Field(foreign_key="teams.id", primary_key=True, ondelete="CASCADE")
    agent_id: int = Field(foreign_key="agents.id", primary_key=True, ondelete="RESTRICT")
    position: int


class SettingRow(SQLModel, table=True):
    __tablename__ = "settings"

    key: str = Field(primary_key=True)
    value: Any = Field(sa_column=Column(JSON, nullable=True))
