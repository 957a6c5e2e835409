"""The run queue of workers mode, on Procrastinate (a task queue kept in PostgreSQL).

A queued run is a stored run with no holder plus one Procrastinate job ``roundtable.run(run_id)`` in the
queue ``runs``. A worker takes the job and claims the run (``storage.control.claim_run``); the claim,
not the job, decides who executes it, so a job that is delivered twice never runs a conversation
twice, and a job whose worker died is never retried (the run becomes interrupted when the lease
lapses). Stop requests go through the control plane; Procrastinate's abort is only a backstop. The job
of a worker that died stays ``doing`` in Procrastinate's table; once its run has ended (interrupted), the
control loops finish it as ``failed`` (``finish_stalled_jobs``), which Procrastinate never retries.

Procrastinate's schema (pinned with the package version in requirements.txt) is applied at open by
``ensure_queue_schema``, once, under an advisory lock.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import make_url

from storage import Database

if TYPE_CHECKING:
    import procrastinate

TASK = "roundtable.run"
QUEUE = "runs"
_SCHEMA_LOCK = 7_212_004_114


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


def finish_stalled_jobs(db: Database, stale_after_s: float) -> list[int]:
    """Mark ``failed`` the run jobs of dead workers whose run has ended; returns their ids.

    A job counts as stalled by Procrastinate's own rule (its worker sent no heartbeat for ``stale_after_s``,
    or was pruned). Only jobs whose run has ended are finished: a dead worker's run ends as interrupted
    when its lease lapses, and a live worker's job is never touched. ``failed`` is final: the job is not
    retried (a conversation is not idempotent). Any process may call this at any time.
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
            return []
        cursor.execute("SELECT id FROM runs WHERE id = ANY(%s) AND status = ANY(%s)",
                       (list(set(stalled.values())), list(FINISHED_STATUSES)))
        ended = {row[0] for row in cursor.fetchall()}
    finished = []
    for job_id, run_id in sorted(stalled.items()):
        if run_id not in ended:
            continue
        try:
            with db.write_cursor() as cursor:
                cursor.execute(sql.queries["finish_job"], {"job_id": job_id, "status": "failed", "delete_job": False})
        except Exception:  # noqa: BLE001 - another process finished it first
            continue
        finished.append(job_id)
    return finished
