"""Task sets and experiments: store immutable task-set versions, experiments and their cells' scores.

Each listing is one query function (``list_task_sets``, ``list_experiments``), so a later owner filter
has one place to go. A task set is addressed by name (its newest version) or by ``(name, version)``;
``save_task_set`` never changes a stored version, it stores the next one.
"""

from __future__ import annotations

import hashlib
import json
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, update
from sqlmodel import col, select

from storage.access import check_may_run, may_see, visible
from storage.errors import InUseError, NotFoundError
from storage.experiment_documents import (
    CellInfo,
    ExperimentInfo,
    ExperimentSpec,
    ExperimentStatus,
    RunScore,
    TaskSetInfo,
    TaskSpec,
)
from storage.tables import ExperimentCellRow, ExperimentRow, TaskSetRow
from storage.tables.base import now

if TYPE_CHECKING:
    from storage.database import Database
    from storage.people import Actor


def content_version(value: Any) -> str:
    """A short hash of a JSON-able value: two designs with the same version are the same design."""
    text = json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:12]


# -- task sets ---------------------------------------------------------------------------------------
def _task_set(row: TaskSetRow) -> TaskSetInfo:
    return TaskSetInfo(id=row.id, name=row.name, version=row.version,
                       tasks=[TaskSpec.model_validate(t) for t in row.tasks], created_at=row.created_at)


def save_task_set(db: Database, name: str, tasks: list[TaskSpec]) -> TaskSetInfo:
    """Store ``tasks`` as the next version of the set ``name`` (version 1 if new). Tasks equal to the
    newest version's store nothing and return that version."""
    name = name.strip()
    if not name:
        raise ValueError("The task set needs a name.")
    if not tasks:
        raise ValueError(f'task set "{name}" has no tasks: add at least one')
    dumped = [task.model_dump(mode="json") for task in tasks]
    with db.write() as session:
        latest = session.exec(
            select(TaskSetRow).where(TaskSetRow.name == name).order_by(col(TaskSetRow.version).desc())
        ).first()
        if latest is not None and latest.tasks == dumped:
            return _task_set(latest)
        row = TaskSetRow(name=name, version=(latest.version + 1) if latest else 1, tasks=dumped)
        session.add(row)
        session.flush()
        return _task_set(row)


def list_task_sets(db: Database) -> list[TaskSetInfo]:
    """The newest version of every task set, by name."""
    newest = select(TaskSetRow.name, func.max(TaskSetRow.version).label("version")).group_by(TaskSetRow.name).subquery()
    query = select(TaskSetRow).join(
        newest, (TaskSetRow.name == newest.c.name) & (TaskSetRow.version == newest.c.version)
    ).order_by(TaskSetRow.name)
    with db.read() as session:
        return [_task_set(row) for row in session.exec(query)]


def task_set_versions(db: Database, name: str) -> list[int]:
    with db.read() as session:
        return list(session.exec(
            select(TaskSetRow.version).where(TaskSetRow.name == name).order_by(TaskSetRow.version)
        ))


def get_task_set(db: Database, name: str, version: int | None = None) -> TaskSetInfo:
    """The set's ``version``, or its newest one."""
    query = select(TaskSetRow).where(TaskSetRow.name == name)
    query = query.where(TaskSetRow.version == version) if version is not None else query.order_by(
        col(TaskSetRow.version).desc())
    with db.read() as session:
        row = session.exec(query).first()
        if row is None:
            which = f" version {version}" if version is not None else ""
            raise NotFoundError(f'there is no task set named "{name}"{which}')
        return _task_set(row)


# -- experiments -------------------------------------------------------------------------------------
def _experiment(row: ExperimentRow) -> ExperimentInfo:
    return ExperimentInfo(id=row.id, name=row.name, task_set_id=row.task_set_id,
                          spec=ExperimentSpec.model_validate(row.spec), status=row.status, error=row.error,
                          created_at=row.created_at, finished_at=row.finished_at, owner_id=row.owner_id)


def _cell(row: ExperimentCellRow) -> CellInfo:
    return CellInfo(id=row.id, experiment_id=row.experiment_id, task_index=row.task_index,
                    column_index=row.column_index, repeat=row.repeat, run_id=row.run_id, status=row.status,
                    passed=row.passed, score=RunScore.model_validate(row.score) if row.score else None)


def create_experiment(db: Database, name: str, spec: ExperimentSpec, actor: Actor | None = None) -> ExperimentInfo:
    """Store an experiment of ``actor`` (who may run) and one pending cell per task x column x repeat."""
    check_may_run(actor)
    task_set = get_task_set(db, spec.task_set, spec.task_set_version)
    columns = len(spec.columns())
    with db.write() as session:
        row = ExperimentRow(name=name.strip() or f"{spec.task_set} v{spec.task_set_version}",
                            task_set_id=task_set.id, spec=spec.model_dump(mode="json"),
                            owner_id=actor.person_id if actor else None)
        session.add(row)
        session.flush()
        assert row.id is not None
        session.add_all(
            ExperimentCellRow(experiment_id=row.id, task_index=t, column_index=c, repeat=r)
            for t in range(len(task_set.tasks)) for c in range(columns) for r in range(spec.repeats)
        )
        return _experiment(row)


def list_experiments(db: Database, *, limit: int = 100, actor: Actor | None = None) -> list[ExperimentInfo]:
    """Newest first: ``actor``'s own (all of them for an admin or the local studio)."""
    with db.read() as session:
        rows = session.exec(select(ExperimentRow).where(visible(ExperimentRow, actor))
                            .order_by(col(ExperimentRow.id).desc()).limit(limit))
        return [_experiment(row) for row in rows]


def get_experiment(db: Database, experiment_id: int, actor: Actor | None = None) -> ExperimentInfo:
    """The experiment, if ``actor`` may see it (else NotFoundError, as for one that does not exist)."""
    with db.read() as session:
        row = session.get(ExperimentRow, experiment_id)
        if row is None or not may_see(row, actor):
            raise NotFoundError(f"there is no experiment {experiment_id}")
        return _experiment(row)


def experiment_cells(db: Database, experiment_id: int) -> list[CellInfo]:
    """The cells in task, column, repeat order."""
    with db.read() as session:
        rows = session.exec(
            select(ExperimentCellRow).where(ExperimentCellRow.experiment_id == experiment_id).order_by(
                ExperimentCellRow.task_index, ExperimentCellRow.column_index, ExperimentCellRow.repeat)
        )
        return [_cell(row) for row in rows]


def set_experiment_status(db: Database, experiment_id: int, status: ExperimentStatus, error: str | None = None) -> None:
    values: dict[str, Any] = {"status": status, "error": error}
    if status in ("completed", "stopped", "failed"):
        values["finished_at"] = now()
    with db.write() as session:
        session.exec(update(ExperimentRow).where(ExperimentRow.id == experiment_id).values(**values))


def attach_run(db: Database, cell_id: int, run_id: int) -> None:
    """The run started for a claimed cell (``claim_cell``)."""
    with db.write() as session:
        session.exec(update(ExperimentCellRow).where(ExperimentCellRow.id == cell_id).values(run_id=run_id))


def record_score(db: Database, cell_id: int, score: RunScore) -> None:
    with db.write() as session:
        session.exec(update(ExperimentCellRow).where(ExperimentCellRow.id == cell_id).values(
            status="scored", passed=score.passed, score=score.model_dump(mode="json")))


def delete_experiment(db: Database, experiment_id: int) -> None:
    """Delete an experiment and its cells (their runs stay in History); refused while it runs."""
    with db.write() as session:
        row = session.get(ExperimentRow, experiment_id)
        if row is None:
            raise NotFoundError(f"there is no experiment {experiment_id}")
        if row.status == "running":
            raise InUseError(f"experiment {experiment_id} is still running; stop it first", [str(experiment_id)])
        session.delete(row)


def team_row_id(db: Database, name: str) -> int | None:
    """The stored team's row id (what an experiment records beside the design's content version)."""
    from storage.tables import TeamRow

    with db.read() as session:
        return session.exec(select(TeamRow.id).where(TeamRow.name == name)).first()


def request_experiment_stop(db: Database, experiment_id: int) -> bool:
    """Ask a running experiment to stop (its scheduler, in any process, stops its runs). False if it
    is not running."""
    with db.write() as session:
        result = session.exec(update(ExperimentRow).where(
            ExperimentRow.id == experiment_id, col(ExperimentRow.status).in_(("created", "running"))
        ).values(status="stopped", finished_at=now(), error="stopped by the user"))
        return bool(result.rowcount)


def claim_cell(db: Database, cell_id: int) -> bool:
    """Take a pending cell for running (once: two schedulers never start the same cell twice)."""
    with db.write() as session:
        result = session.exec(update(ExperimentCellRow).where(
            ExperimentCellRow.id == cell_id, ExperimentCellRow.status == "pending").values(status="running"))
        return bool(result.rowcount)


def run_statuses(db: Database, run_ids: list[int]) -> dict[int, str]:
    """The status of each of these runs, in one query (a scheduler polls its runs in flight); a run
    that was deleted is missing."""
    from storage.tables import RunRow

    if not run_ids:
        return {}
    with db.read() as session:
        return dict(session.exec(select(RunRow.id, RunRow.status).where(col(RunRow.id).in_(run_ids))).all())
