"""Control-plane tables: which processes hold runs (and their heartbeat), and what others ask of a run.

A run's liveness comes from a lease, not a PID: the process executing it (``run_control.holder``) keeps
its ``processes`` row's ``expires_at`` in the future by heartbeating; once that lapses, any process marks
the run ``interrupted`` (``storage.control``). Stop requests and human answers are rows too, so any
process (a studio tab or replica, the CLI, a worker) can stop or answer any run.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, Column, Text
from sqlmodel import Field, SQLModel

from storage.tables.base import now


class ProcessRow(SQLModel, table=True):
    """A process that can hold runs: a studio server, a CLI run, a worker. ``holder`` is unique across hosts."""

    __tablename__ = "processes"

    holder: str = Field(primary_key=True)  # "host:pid:random"
    host: str
    pid: int
    role: str  # studio | cli | worker
    concurrency: int = 0  # runs it may hold at once (0: no limit)
    started_at: float = Field(default_factory=now)
    heartbeat_at: float = Field(default_factory=now)
    expires_at: float = Field(index=True)  # database clock; past it the process counts as gone


class RunControlRow(SQLModel, table=True):
    """Per run: who holds it, a stop request, the question it waits on, and how to start it."""

    __tablename__ = "run_control"

    run_id: int = Field(foreign_key="runs.id", primary_key=True, ondelete="CASCADE")
    holder: str | None = Field(default=None, index=True)  # kept after the run ends: who executed it
    host: str | None = None
    claimed_at: float | None = None
    stop_reason: str | None = Field(default=None, sa_type=Text)
    pending: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    launch: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class RunAnswerRow(SQLModel, table=True):
    """A human's answer waiting to be taken by the run's holder."""

    __tablename__ = "run_answers"

    id: int | None = Field(default=None, primary_key=True)
    run_id: int = Field(foreign_key="runs.id", ondelete="CASCADE", index=True)
    request_id: str
    text: str = Field(sa_type=Text)
    created_at: float = Field(default_factory=now)


class RunLiveRow(SQLModel, table=True):
    """The reply a run is streaming right now (whole messages are events); written at a bounded rate."""

    __tablename__ = "run_live"

    run_id: int = Field(foreign_key="runs.id", primary_key=True, ondelete="CASCADE")
    agent: str
    text: str = Field(sa_type=Text)
    updated_at: float = Field(default_factory=now)
