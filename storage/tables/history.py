"""History tables: sessions, runs, per-agent usage and the event log.

Who executes a run, and whether it still lives, is in ``run_control`` and ``processes``
(``storage.tables.control``). An event's ``seq`` is allocated as the run's highest seq + 1 while appends to that run are
serialised (``storage.eventlog``); no counter column is kept, because an append that also updates its
``runs`` row writes a second page per commit (40% slower on SQLite). For the same reason the team
snapshot lives in ``run_snapshots`` (revisions 0003 and 0004).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, Column, Text
from sqlmodel import Field, SQLModel

from storage.tables.base import now, off_by_default


class SessionRow(SQLModel, table=True):
    __tablename__ = "sessions"

    id: int | None = Field(default=None, primary_key=True)
    title: str
    created_at: float = Field(default_factory=now)


class RunRow(SQLModel, table=True):
    __tablename__ = "runs"

    id: int | None = Field(default=None, primary_key=True)
    uid: str = Field(unique=True)
    session_id: int | None = Field(default=None, foreign_key="sessions.id", ondelete="CASCADE", index=True)
    team_name: str = Field(index=True)
    task: str = Field(sa_type=Text)
    status: str = Field(index=True)
    created_at: float = Field(default_factory=now)
    started_at: float | None = None
    finished_at: float | None = None
    error: str | None = Field(default=None, sa_type=Text)
    owner_id: int | None = Field(default=None, foreign_key="people.id", ondelete="RESTRICT", index=True, nullable=False)
    shared: bool = off_by_default()  # everyone signed in may open its replay (a share link)


class RunSnapshotRow(SQLModel, table=True):
    """The resolved team a run ran; apart from ``runs`` so appends and listings do not carry it along."""

    __tablename__ = "run_snapshots"

    run_id: int = Field(foreign_key="runs.id", primary_key=True, ondelete="CASCADE")
    snapshot: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))


class RunUsageRow(SQLModel, table=True):
    __tablename__ = "run_usage"

    run_id: int = Field(foreign_key="runs.id", primary_key=True, ondelete="CASCADE")
    agent: str = Field(primary_key=True)
    model: str = ""
    calls: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost: float | None = None


class EventRow(SQLModel, table=True):
    __tablename__ = "events"

    run_id: int = Field(foreign_key="runs.id", primary_key=True, ondelete="CASCADE")
    seq: int = Field(primary_key=True)
    kind: str
    sender: str | None = None
    recipient: str | None = None
    ts: float
    payload: str = Field(sa_type=Text)  # the event as JSON text (components.events codec)
