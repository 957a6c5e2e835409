"""The run queue of workers mode, on Procrastinate (a task queue kept in PostgreSQL).

A queued run is a stored run with no holder plus one Procrastinate job ``roundtable.run(run_id)`` in the
queue ``runs``. A worker takes the job and claims the run (``storage.control.claim_run``); the claim,
not the job, decides who executes it, so a job that is delivered twice never runs a conversation
twice, and a job whose worker died mid-run is never retried (the run becomes interrupted when the
lease lapses). Stop requests go through the control plane; Procrastinate's abort is only a backstop. The
job of a worker that died stays ``doing`` in Procrastinate's table until the control loops settle it
(``tidy_stalled_jobs``): finished as ``failed`` once its run has ended, or queued again if its run was
never claimed.

Procrastinate's schema (pinned with the package version in requirements.txt) is applied at open by
``ensure_queue_schema``, once, under an advisory lock.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import make_url

from storage import Database

if TYPE_CHECKING:
    import procrastinate

TASK = "roundtable.run"
QUEUE = "runs"
_SCHEMA_LOCK = 7_212_004_114

logger = logging.getLogger(__name__)


def libpq_url(db: Database) -> str:
    """The database's URL as libpq (and so Procrastinate's psycopg pool) reads it."""
    url = make_url(db.engine.url.render_as_string(hide_password=False)).set(drivername="postgresql")
    return url.render_as_string(hide_password=False)


def ensure_queue_schema(db: Database) -> None:
    """Create Procrastinate's tables and functions in this database if they are not there yet."""
    from procrastinate.schema import SchemaManager

    with db.write_cursor() as cursor:
        cursor.execute(f"SELECT pg_advisory_xact_lock({_SCHEMA_LOCK})")
        cursor.execute("SELECT to_regclass('procrastinate_jobs') IS NOT NULL")
        if cursor.fetchone()[0]:
            return
        cursor.execute(SchemaManager.get_schema())


def sync_app(db: Database) -> procrastinate.App:
    """An opened Procrastinate app for enqueueing from synchronous code (the studio, the CLI)."""
    import procrastinate

    app = procrastinate.App(connector=procrastinate.SyncPsycopgConnector(conninfo=libpq_url(db), min_size=1,
                                                                          max_size=2))
    app.open()
    return app


def enqueue(app: procrastinate.App, run_id: int, files: list[tuple[str, bytes]] = ()) -> int:  # type: ignore[assignment]
    """Put a stored run on the queue; returns the job id."""
    import base64

    payload: dict[str, Any] = {"run_id": run_id}
    if files:
        payload["files"] = [[name, base64.b64encode(data).decode("ascii")] for name, data in files]
    return app.configure_task(TASK, queue=QUEUE).defer(**payload)


def tidy_stalled_jobs(db: Database, stale_after_s: float) -> StalledJobs:
    """Settle the run jobs of dead workers; any process may call this at any time.

    A job counts as stalled by Procrastinate's own rule (its worker sent no heartbeat for ``stale_after_s``,
    or was pruned); a live worker's job is never touched. A stalled job whose run has ended (a dead
    worker's run ends as interrupted when its lease lapses) is finished as ``failed``, which is final: a
    conversation is not idempotent. A stalled job whose run was never claimed (its worker died between
    taking the job and claiming the run) goes back on the queue: nothing of it ran, and the claim still
    guarantees that it runs at most once.
    """
    from procrastinate import sql

    from storage.documents import FINISHED_STATUSES

    with db.write_cursor() as cursor:
        cursor.execute(sql.queries["select_stalled_jobs_by_heartbeat"],
                       {"queue": QUEUE, "task_name": TASK, "seconds_since_heartbeat": stale_after_s})
        names = [column.name for column in cursor.description]
        stalled = {int(job["id"]): int(job["args"]["run_id"]) for job in (dict(zip(names, row, strict=True))
                                                                          for row in cursor.fetchall())}
        if not stalled:
            return StalledJobs()
        cursor.execute("SELECT r.id, r.status, c.holder FROM runs r JOIN run_control c ON c.run_id = r.id"
                       " WHERE r.id = ANY(%s)", (list(set(stalled.values())),))
        runs = {row[0]: (row[1], row[2]) for row in cursor.fetchall()}
    settled = StalledJobs()
    for job_id, run_id in sorted(stalled.items()):
        status, holder = runs.get(run_id, ("gone", None))
        if status in FINISHED_STATUSES or status == "gone":
            query, params, into = "finish_job", {"status": "failed", "delete_job": False}, settled.finished
        elif status == "created" and holder is None:
            query, into = "retry_job", settled.requeued
            params = {"retry_at": None, "new_priority": None, "new_queue_name": None, "new_lock": None}
        else:  # claimed and not ended yet: the sweep interrupts it first, and the next pass finishes the job
            continue
        try:
            with db.write_cursor() as cursor:
                cursor.execute(sql.queries[query], {"job_id": job_id, **params})
        except Exception:  # noqa: BLE001 - another process settled it first
            continue
        into.append(job_id)
    return settled


@dataclass
class StalledJobs:
    """What ``tidy_stalled_jobs`` did: jobs finished as failed, and jobs put back on the queue."""

    finished: list[int] = field(default_factory=list)
    requeued: list[int] = field(default_factory=list)


class RunQueue:
    """A process's handle on the workers' queue (workers mode): enqueue, abort, tidy. Opened on first use."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self._app: procrastinate.App | None = None
        self._lock = threading.Lock()

    def _opened(self) -> procrastinate.App:
        with self._lock:
            self._app = self._app or sync_app(self.db)
        return self._app

    def put(self, run_id: int, files: list[tuple[str, bytes]] = ()) -> None:  # type: ignore[assignment]
        """Put a stored run on the queue and note its job (so a stop can also abort it)."""
        from storage.control import record_job

        record_job(self.db, run_id, enqueue(self._opened(), run_id, files))

    def abort(self, job_id: int) -> None:
        """Procrastinate's own abort of a job: the backstop behind the stop request in the database."""
        self._opened().job_manager.cancel_job_by_id(job_id, abort=True)

    def tidy(self, stale_after_s: float) -> None:
        settled = tidy_stalled_jobs(self.db, stale_after_s)
        for job_id in settled.finished:
            logger.warning("job %s of a worker that died was marked failed (its run is interrupted)", job_id)
        for job_id in settled.requeued:
            logger.warning("job %s of a worker that died before starting its run is queued again", job_id)

    def close(self) -> None:
        with self._lock:
            if self._app is not None:
                self._app.close()
                self._app = None
