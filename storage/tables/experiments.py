"""Experiment tables: task sets (immutable versions), experiments, and their cells.

A task set version is never changed: editing a set stores a new version, so an experiment that names
``(task set, version)`` stays reproducible. An experiment keeps what it ran (the team snapshots with
their content versions, the model list, the task-set version) in its ``spec``; each cell is one run of
one task by one column (team x model) and one repeat, linked to an ordinary run (History, replay,
export) and carrying that run's score once it ended.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, Column, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from storage.tables.base import now


class TaskSetRow(SQLModel, table=True):
    __tablename__ = "task_sets"
    __table_args__ = (UniqueConstraint("name", "version", name="uq_task_sets_name_version"),)

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(index=True)
    version: int
    tasks: list[dict[str, Any]] = Field(sa_column=Column(JSON, nullable=False))
    created_at: float = Field(default_factory=now)


class ExperimentRow(SQLModel, table=True):
    __tablename__ = "experiments"

    id: int | None = Field(default=None, primary_key=True)
    name: str
    task_set_id: int = Field(foreign_key="task_sets.id", ondelete="RESTRICT", index=True)
    spec: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    status: str = Field(default="created", index=True)
    error: str | None = Field(default=None, sa_type=Text)
    created_at: float = Field(default_factory=now)
    finished_at: float | None = None
    # Who started it: its runs are theirs (their keys, their visibility); None only for an experiment
    # stored by code that acts for nobody in particular (the local admin).
    owner_id: int | None = Field(default=None, foreign_key="people.id", ondelete="RESTRICT", index=True)


class ExperimentCellRow(SQLModel, table=True):
    __tablename__ = "experiment_cells"
    __table_args__ = (
        UniqueConstraint("experiment_id", "task_index", "column_index", "repeat", name="uq_experiment_cells_slot"),
    )

    id: int | None = Field(default=None, primary_key=True)
    experiment_id: int = Field(foreign_key="experiments.id", ondelete="CASCADE", index=True)
    task_index: int
    column_index: int
    repeat: int
    run_id: int | None = Field(default=None, foreign_key="runs.id", ondelete="SET NULL", index=True)
    status: str = Field(default="pending")  # pending, running, scored
    passed: bool | None = None
    score: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
