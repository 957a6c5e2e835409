"""The control plane in the database: process leases, run claims, stop requests and human answers.

Every process that can execute runs (a studio server, a CLI run, a worker) registers a ``processes`` row
under a holder id unique across hosts and keeps its ``expires_at`` in the future by heartbeating. A run is
claimed once (``claim_run``: never twice, a conversation is not idempotent) and its control row keeps the
holder after it ends, so ``status`` can say which process executed it. Any process may stop or answer
any run: the request is a row the holder polls for. A run whose holder's lease lapsed is marked
``interrupted`` by whoever sweeps next (``interrupt_lapsed_runs``), keeping every event.

Times of leases use the database's clock, so hosts with skewed clocks agree on who is alive.
"""

from __future__ import annotations

import os
import secrets
import socket
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import ColumnElement, delete, func, literal_column, select, update
from sqlmodel import col

from storage.documents import ACTIVE_STATUSES, FINISHED_STATUSES
from storage.errors import NotFoundError, RunStateError
from storage.tables import ProcessRow, RunAnswerRow, RunControlRow, RunRow
from storage.tables.base import now

if TYPE_CHECKING:
    from storage.database import Database

LEASE_ENV = "ROUNDTABLE_LEASE_S"
DEFAULT_LEASE_S = 15.0
INTERRUPTED_ERROR = "the process running it stopped before it finished"
_PRUNE_AFTER_S = 3600.0  # rows of processes gone this long are deleted
_HELD = ("created", *ACTIVE_STATUSES)


def lease_seconds(env: Mapping[str, str] = os.environ) -> float:
    """How long a process counts as alive after its last heartbeat: ``$ROUNDTABLE_LEASE_S``, else 15 s."""
    raw = env.get(LEASE_ENV, "")
    try:
        value = float(raw) if raw else DEFAULT_LEASE_S
    except ValueError:
        raise ValueError(f"{LEASE_ENV}={raw!r} is not a number of seconds") from None
    if value <= 0:
        raise ValueError(f"{LEASE_ENV} must be a positive number of seconds, not {raw}")
    return value


def new_holder() -> str:
    """An id for this process, unique across hosts and pid reuse: ``host:pid:random``."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"


def db_now(db: Database) -> ColumnElement[float]:
    """The database's clock in Unix seconds, as a SQL expression."""
    if db.is_sqlite:
        return literal_column("((julianday('now') - 2440587.5) * 86400.0)")
    return func.extract("epoch", func.clock_timestamp())


# -- processes ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ProcessInfo:
    holder: str
    host: str
    pid: int
    role: str
    concurrency: int
    started_at: float
    heartbeat_at: float
    runs_in_hand: int


def register_process(db: Database, holder: str, role: str, lease_s: float, concurrency: int = 0) -> None:
    """Record this process as alive for ``lease_s`` seconds (creating or renewing its row)."""
    clock = db_now(db)
    with db.write() as session:
        renewed = session.exec(  # type: ignore[call-overload]
            update(ProcessRow).where(col(ProcessRow.holder) == holder)
            .values(heartbeat_at=clock, expires_at=clock + lease_s)
        )
        if renewed.rowcount == 0:
            host, pid, _ = holder.rsplit(":", 2)
            session.add(ProcessRow(holder=holder, host=host, pid=int(pid), role=role, concurrency=concurrency,
                                   expires_at=0.0))
            session.flush()
            session.exec(  # type: ignore[call-overload]
                update(ProcessRow).where(col(ProcessRow.holder) == holder)
                .values(heartbeat_at=clock, expires_at=clock + lease_s)
            )


def unregister_process(db: Database, holder: str) -> None:
    """This process stops holding runs (a clean exit)."""
    with db.write() as session:
        session.exec(delete(ProcessRow).where(col(ProcessRow.holder) == holder))  # type: ignore[call-overload]


def live_processes(db: Database, role: str | None = None) -> list[ProcessInfo]:
    """Processes whose lease has not lapsed, with how many runs each holds now; oldest first."""
    in_hand = (
        select(func.count()).select_from(RunControlRow).join(RunRow, col(RunRow.id) == RunControlRow.run_id)
        .where(RunControlRow.holder == ProcessRow.holder, col(RunRow.status).in_(_HELD))
        .scalar_subquery()
    )
    query = select(ProcessRow, in_hand).where(col(ProcessRow.expires_at) >= db_now(db))
    if role is not None:
        query = query.where(ProcessRow.role == role)
    with db.read() as session:
        rows = session.exec(query.order_by(col(ProcessRow.started_at))).all()  # type: ignore[call-overload]
    return [
        ProcessInfo(p.holder, p.host, p.pid, p.role, p.concurrency, p.started_at, p.heartbeat_at, count)
        for p, count in rows
    ]


# -- runs --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RunControl:
    run_id: int
    holder: str | None
    host: str | None
    stop_reason: str | None
    pending: dict[str, Any] | None
    launch: dict[str, Any]


def run_control(db: Database, run_id: int) -> RunControl:
    with db.read() as session:
        row = session.get(RunControlRow, run_id)
        if row is None:
            raise NotFoundError(f"there is no run {run_id}")
        return RunControl(row.run_id, row.holder, row.host, row.stop_reason, row.pending, dict(row.launch))


def record_job(db: Database, run_id: int, job_id: int) -> None:
    """Note the queue job that carries a run (workers mode), so a stop can also abort that job."""
    with db.write() as session:
        row = session.get(RunControlRow, run_id)
        if row is not None:
            row.launch = {**row.launch, "job_id": job_id}
            session.add(row)


def claim_run(db: Database, run_id: int, holder: str) -> bool:
    """Make ``holder`` the one executor of a run not yet started; False if it was claimed or ended."""
    host = holder.rsplit(":", 2)[0]
    waiting = select(RunRow.id).where(RunRow.id == run_id, RunRow.status == "created")
    with db.write() as session:
        claimed = session.exec(  # type: ignore[call-overload]
            update(RunControlRow)
            .where(col(RunControlRow.run_id) == run_id, col(RunControlRow.holder).is_(None),
                   col(RunControlRow.run_id).in_(waiting))
            .values(holder=holder, host=host, claimed_at=now())
        )
        return bool(claimed.rowcount)


def request_stop(db: Database, run_id: int, reason: str = "stopped by the user") -> str:
    """Ask run ``run_id`` to stop. Returns "stopping" (its holder acts on it within a poll) or "stopped"
    (it had not started: it is stopped now). RunStateError if it already ended."""
    with db.write() as session:
        run = session.get(RunRow, run_id)
        if run is None:
            raise NotFoundError(f"there is no run {run_id}")
        if run.status in FINISHED_STATUSES:
            raise RunStateError(f"run {run_id} has already ended ({run.status}); there is nothing to stop")
        session.exec(  # type: ignore[call-overload]
            update(RunControlRow).where(col(RunControlRow.run_id) == run_id).values(stop_reason=reason)
        )
        unclaimed = session.exec(  # type: ignore[call-overload]
            update(RunRow)
            .where(col(RunRow.id) == run_id, col(RunRow.status) == "created",
                   col(RunRow.id).in_(select(RunControlRow.run_id).where(col(RunControlRow.holder).is_(None))))
            .values(status="stopped", error=reason, finished_at=now())
        )
        return "stopped" if unclaimed.rowcount else "stopping"


def send_answer(db: Database, run_id: int, text: str, request_id: str | None = None) -> str:
    """Give a human's answer to the question run ``run_id`` waits on (``request_id``: that question,
    default the current one); returns the request id. RunStateError if it is not waiting for one."""
    with db.write() as session:
        run = session.get(RunRow, run_id)
        control = session.get(RunControlRow, run_id)
        if run is None or control is None:
            raise NotFoundError(f"there is no run {run_id}")
        pending = control.pending if run.status == "waiting_for_input" else None
        if not pending:
            raise RunStateError(f"run {run_id} is not waiting for an answer (it is {run.status})")
        if request_id is not None and request_id != pending["request_id"]:
            raise RunStateError(f"run {run_id} no longer waits on that question; it asks: {pending['prompt']}")
        session.add(RunAnswerRow(run_id=run_id, request_id=pending["request_id"], text=text))
        return str(pending["request_id"])


def set_pending(db: Database, run_id: int, pending: dict[str, Any] | None) -> None:
    """The holder records the question it waits on (status waiting_for_input), or that it goes on."""
    status = "waiting_for_input" if pending else "running"
    with db.write() as session:
        session.exec(  # type: ignore[call-overload]
            update(RunControlRow).where(col(RunControlRow.run_id) == run_id).values(pending=pending)
        )
        session.exec(  # type: ignore[call-overload]
            update(RunRow).where(col(RunRow.id) == run_id, col(RunRow.status).in_(ACTIVE_STATUSES))
            .values(status=status)
        )


@dataclass(frozen=True)
class HeldRun:
    run_id: int
    status: str
    stop_reason: str | None


@dataclass(frozen=True)
class Answer:
    run_id: int
    request_id: str
    text: str


def poll_held(db: Database, holder: str, run_ids: list[int]) -> tuple[list[HeldRun], list[Answer]]:
    """For the runs this holder executes: their status and stop requests, and the answers given to them
    (taken: each answer is returned once)."""
    if not run_ids:
        return [], []
    with db.read() as session:  # polled 5 times a second: no write transaction unless there is an answer
        held = session.exec(  # type: ignore[call-overload]
            select(RunControlRow.run_id, RunRow.status, RunControlRow.stop_reason)
            .join(RunRow, col(RunRow.id) == RunControlRow.run_id)
            .where(col(RunControlRow.run_id).in_(run_ids), RunControlRow.holder == holder)
        ).all()
        rows = session.exec(  # type: ignore[call-overload]
            select(RunAnswerRow).where(col(RunAnswerRow.run_id).in_(run_ids)).order_by(col(RunAnswerRow.id))
        ).all()
    answers = [Answer(r.run_id, r.request_id, r.text) for (r,) in rows]
    if rows:
        with db.write() as session:
            session.exec(delete(RunAnswerRow).where(col(RunAnswerRow.id).in_([r.id for (r,) in rows])))  # type: ignore[call-overload]
    return [HeldRun(*row) for row in held], answers


def interrupt_lapsed_runs(db: Database) -> list[int]:
    """Mark ``interrupted`` every run held by a process whose lease lapsed (or that no process holds
    although it is running); returns their ids. Any process may call this at any time."""
    clock = db_now(db)
    alive = select(ProcessRow.holder).where(col(ProcessRow.expires_at) >= clock)
    held_by_dead = (col(RunControlRow.holder).is_(None)) | (col(RunControlRow.holder).not_in(alive))
    lapsed = (
        select(RunRow.id).join(RunControlRow, col(RunControlRow.run_id) == RunRow.id)
        .where(held_by_dead)
        .where(col(RunRow.status).in_(ACTIVE_STATUSES)
               | ((col(RunRow.status) == "created") & col(RunControlRow.holder).is_not(None)))
    )
    with db.write() as session:
        ids = list(session.execute(lapsed).scalars().all())
        if ids:
            session.exec(  # type: ignore[call-overload]
                update(RunRow).where(col(RunRow.id).in_(ids), col(RunRow.status).in_(_HELD))
                .values(status="interrupted", finished_at=now(), error=INTERRUPTED_ERROR)
            )
            session.exec(  # type: ignore[call-overload]
                update(RunControlRow).where(col(RunControlRow.run_id).in_(ids)).values(pending=None)
            )
        session.exec(  # type: ignore[call-overload]
            delete(ProcessRow).where(col(ProcessRow.expires_at) < clock - _PRUNE_AFTER_S)
        )
    return sorted(ids)


# -- the reply being streamed -------------------------------------------------------------------------

_LIVE_UPDATE = "UPDATE run_live SET agent = ?, text = ?, updated_at = ? WHERE run_id = ?"
_LIVE_INSERT = "INSERT INTO run_live (agent, text, updated_at, run_id) VALUES (?, ?, ?, ?)"


def set_live(db: Database, run_id: int, agent: str, text: str) -> None:
    """Store the text streamed so far by ``agent`` (the holder calls this at a bounded rate)."""
    with db.write_cursor() as cursor:
        cursor.execute(db.sql(_LIVE_UPDATE), (agent, text, now(), run_id))
        if cursor.rowcount == 0:
            cursor.execute(db.sql(_LIVE_INSERT), (agent, text, now(), run_id))


def clear_live(db: Database, run_id: int) -> None:
    """The streamed reply became a stored message (or the run ended)."""
    with db.write_cursor() as cursor:
        cursor.execute(db.sql("DELETE FROM run_live WHERE run_id = ?"), (run_id,))


def live_text(db: Database, run_id: int) -> tuple[str, str] | None:
    """(agent, text) of the reply a run streams right now, whichever process executes it."""
    with db.read_cursor() as cursor:
        cursor.execute(db.sql("SELECT agent, text FROM run_live WHERE run_id = ?"), (run_id,))
        row = cursor.fetchone()
    return (row[0], row[1]) if row else None
