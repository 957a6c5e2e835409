"""Sessions and runs: create, change status, list, delete, and recover after a crash.

A run keeps the resolved ``TeamDocument`` it ran (its snapshot), so history stays true after the
design changes. Per-agent usage is summed from the ``usage`` events as they are appended
(``storage.eventlog``), so it cannot disagree with the event log.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, Field
from sqlalchemy import delete, func, update
from sqlmodel import Session, col, select

from storage.access import check_may_change, check_may_run, may_see, visible
from storage.control import claim_run, live_processes
from storage.documents import (
    ACTIVE_STATUSES,
    FINISHED_STATUSES,
    AgentUsage,
    RunMeta,
    RunStatus,
    TeamDocument,
)
from storage.errors import InUseError, NotFoundError
from storage.people import Actor, owner_id
from storage.tables import EventRow, RunControlRow, RunRow, RunSnapshotRow, RunUsageRow, SessionRow
from storage.tables.base import now

if TYPE_CHECKING:
    from storage.database import Database


class RunInfo(RunMeta):
    """A stored run: its exported metadata plus where it lives in this database."""

    id: int = Field(description="Row id in this database.")
    session_id: int | None = Field(default=None, description="Session the run belongs to.")
    last_seq: int = Field(default=0, description="Seq of its last event (= number of events).")
    worker: str | None = Field(
        default=None, description='"host:pid:random" of the process that executes or executed it.'
    )
    owner_id: int = Field(default=0, description="The person the run belongs to (people.id).")
    shared: bool = Field(default=False, description="Everyone signed in may open its replay.")


class SessionInfo(BaseModel):
    """A session: a titled group of runs."""

    id: int = Field(description="Row id.")
    title: str = Field(description="Title shown in the studio.")
    created_at: float = Field(description="Unix time it was created.")


def create_session(db: Database, title: str) -> int:
    with db.write() as session:
        row = SessionRow(title=title)
        session.add(row)
        session.flush()
        assert row.id is not None
        return row.id


def list_sessions(db: Database) -> list[SessionInfo]:
    """Newest first."""
    with db.read() as session:
        rows = session.exec(select(SessionRow).order_by(col(SessionRow.id).desc()))
        return [SessionInfo(id=row.id, title=row.title, created_at=row.created_at) for row in rows]


def delete_session(db: Database, session_id: int) -> None:
    """Delete a session and all its runs; refused while one of them is active."""
    with db.write() as session:
        if session.get(SessionRow, session_id) is None:
            raise NotFoundError(f"there is no session {session_id}")
        active = session.exec(
            select(RunRow.id).where(RunRow.session_id == session_id, col(RunRow.status).in_(ACTIVE_STATUSES))
        ).all()
        if active:
            runs = [f"run {run_id}" for run_id in active]
            raise InUseError(
                f"session {session_id} has active runs ({', '.join(runs)}); stop them first", runs
            )
        session.exec(delete(SessionRow).where(SessionRow.id == session_id))


def create_run(
    db: Database,
    snapshot: TeamDocument,
    task: str,
    *,
    session_id: int | None = None,
    launch: dict[str, Any] | None = None,
    holder: str | None = None,
    owner: Actor | None = None,
) -> int:
    """Store a new run of ``snapshot`` (status "created") owned by ``owner`` (None: the local admin;
    a viewer is refused); returns its id.

    ``launch`` is what an executor needs beyond the snapshot and task (JSON: e.g. the run it continues);
    with ``holder`` the run is claimed by that process at once (local execution), else it waits for one.
    """
    check_may_run(owner)
    with db.write() as session:
        row = RunRow(
            owner_id=owner_id(session, owner),
            uid=uuid.uuid4().hex,
            session_id=session_id,
            team_name=snapshot.team.name,
            task=task,
            status="created",
        )
        session.add(row)
        session.flush()
        assert row.id is not None
        session.add(RunSnapshotRow(run_id=row.id, snapshot=snapshot.model_dump(mode="json")))
        session.add(RunControlRow(run_id=row.id, launch=launch or {}))
        run_id = row.id
    if holder is not None:
        claim_run(db, run_id, holder)
    return run_id


def set_run_status(db: Database, run_id: int, status: RunStatus, *, error: str | None = None) -> None:
    """Move a run to ``status``: running records when it started; a finished one records when."""
    values: dict[str, object] = {"status": status}
    if error is not None:
        values["error"] = error
    if status in FINISHED_STATUSES:
        values["finished_at"] = now()
    with db.write() as session:
        row = _run_row(session, run_id)
        if status == "running" and row.started_at is None:
            values["started_at"] = now()
        session.exec(update(RunRow).where(RunRow.id == run_id).values(**values))


def _run_row(session: Session, run_id: int, actor: Actor | None = None) -> RunRow:
    """The run if ``actor`` may see it; a run they may not see answers as one that does not exist."""
    row = session.get(RunRow, run_id)
    if row is None or not may_see(row, actor):
        raise NotFoundError(f"there is no run {run_id}")
    return row


def _usage(session: Session, run_ids: Collection[int]) -> dict[int, list[AgentUsage]]:
    usage: dict[int, list[AgentUsage]] = {run_id: [] for run_id in run_ids}
    rows = session.exec(
        select(RunUsageRow)
        .where(col(RunUsageRow.run_id).in_(run_ids))
        .order_by(RunUsageRow.run_id, RunUsageRow.agent)
    )
    for row in rows:
        usage[row.run_id].append(AgentUsage.model_validate(row, from_attributes=True))
    return usage


def _runs_with_last_seq() -> Any:
    """Runs, each with the seq of its last event (an index lookup)."""
    last = (
        select(func.coalesce(func.max(EventRow.seq), 0)).where(EventRow.run_id == RunRow.id).scalar_subquery()
    )
    holder = select(RunControlRow.holder).where(RunControlRow.run_id == RunRow.id).scalar_subquery()
    return select(RunRow, last, holder)


def _info(row: RunRow, last_seq: int, worker: str | None, usage: list[AgentUsage]) -> RunInfo:
    return RunInfo(
        id=row.id,
        uid=row.uid,
        session_id=row.session_id,
        team=row.team_name,
        task=row.task,
        status=row.status,
        created_at=row.created_at,
        started_at=row.started_at,
        finished_at=row.finished_at,
        error=row.error,
        usage=usage,
        last_seq=last_seq,
        worker=worker,
        owner_id=row.owner_id,
        shared=row.shared,
    )


def get_run(db: Database, run_id: int, actor: Actor | None = None) -> RunInfo:
    """The run, if ``actor`` may see it (else NotFoundError, as for a run that does not exist)."""
    with db.read() as session:
        found = session.exec(_runs_with_last_seq().where(RunRow.id == run_id, visible(RunRow, actor))).first()
        if found is None:
            raise NotFoundError(f"there is no run {run_id}")
        return _info(*found, _usage(session, [run_id])[run_id])


def run_snapshot(db: Database, run_id: int, actor: Actor | None = None) -> TeamDocument:
    """The resolved team the run ran (no keys)."""
    with db.read() as session:
        row = session.get(RunSnapshotRow, run_id)
        if row is None or not may_see(_run_row(session, run_id), actor):
            raise NotFoundError(f"there is no run {run_id}")
        return TeamDocument.model_validate(row.snapshot)


def list_runs(
    db: Database,
    *,
    team: str | None = None,
    statuses: Collection[RunStatus] | None = None,
    session_id: int | None = None,
    limit: int = 100,
    offset: int = 0,
    actor: Actor | None = None,
) -> list[RunInfo]:
    """Runs ``actor`` may see matching every filter given, newest first."""
    query = (
        _runs_with_last_seq().where(visible(RunRow, actor)).order_by(col(RunRow.id).desc()).limit(limit).offset(offset)
    )
    if team is not None:
        query = query.where(RunRow.team_name == team)
    if statuses is not None:
        query = query.where(col(RunRow.status).in_(statuses))
    if session_id is not None:
        query = query.where(RunRow.session_id == session_id)
    with db.read() as session:
        found = session.exec(query).all()
        usage = _usage(session, [row.id for row, _, _ in found])
        return [_info(row, last_seq, worker, usage[row.id]) for row, last_seq, worker in found]


def delete_run(db: Database, run_id: int, actor: Actor | None = None) -> None:
    """Delete a run with its events; refused while a live process executes it (and to anyone but its
    owner or an admin)."""
    alive = {p.holder for p in live_processes(db)}
    with db.write() as session:
        row = _run_row(session, run_id, actor)
        check_may_change(row, actor, f"run {run_id}")
        control = session.get(RunControlRow, run_id)
        holder = control.holder if control else None
        if row.status in ("created", *ACTIVE_STATUSES) and holder in alive:
            raise InUseError(f"run {run_id} is still {row.status} (in {holder}); stop it first", [str(holder)])
        session.exec(delete(RunRow).where(RunRow.id == run_id))


def set_run_shared(db: Database, run_id: int, shared: bool, actor: Actor | None = None) -> None:
    """Let everyone signed in open the run's replay (its share link), or stop; owner or admin only."""
    with db.write() as session:
        row = _run_row(session, run_id, actor)
        check_may_change(row, actor, f"run {run_id}")
        session.exec(update(RunRow).where(RunRow.id == run_id).values(shared=shared))
