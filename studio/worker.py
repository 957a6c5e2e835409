"""``python -m studio worker [--concurrency N]``: execute queued runs (``ROUNDTABLE_RUNS=workers``).

A worker is a Procrastinate worker on the queue ``runs`` whose task claims the run and executes it with
a ``RunEngine`` (role ``worker``), in a thread per run, so the event loop stays free for Procrastinate's
heartbeats and abort checks. On SIGTERM (or Ctrl-C) the runs in hand are stopped and recorded as
stopped, then the worker exits; it takes no new run meanwhile. Any number of workers, on any host that
reaches the database, share the queue; code a run executes runs on its worker's host.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import gc
import logging
import os
import signal
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from storage import Database
from storage.database import data_dir
from studio.runs.engine import RunEngine
from studio.runs.files import run_folder
from studio.runs.queue import QUEUE, TASK, ensure_queue_schema, libpq_url
from studio.runs.store import upload_name

logger = logging.getLogger(__name__)
SHUTDOWN_REASON = "the worker running it was shut down (SIGTERM); continue it from History"


def _write_files(work_dir: Path, files: list[list[str]] | None) -> None:
    work_dir.mkdir(parents=True, exist_ok=True)
    for name, data in files or []:
        (work_dir / upload_name(name)).write_bytes(base64.b64decode(data))  # names are user input


async def serve(db: Database, engine: RunEngine, concurrency: int) -> None:
    """Take runs from the queue until SIGTERM/SIGINT."""
    import procrastinate

    app = procrastinate.App(connector=procrastinate.PsycopgConnector(conninfo=libpq_url(db)))
    threads = ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="roundtable-worker")

    @app.task(name=TASK, queue=QUEUE)
    async def execute_run(run_id: int, files: list[list[str]] | None = None) -> None:
        loop = asyncio.get_running_loop()
        _write_files(run_folder(engine.data_dir, run_id), files)
        done = loop.run_in_executor(threads, lambda: engine.execute(run_id))
        try:
            await asyncio.shield(done)
        except asyncio.CancelledError:  # Procrastinate's abort: a backstop to the stored stop request
            engine.stop(run_id, "aborted through the job queue")
            await done
            raise

    loop = asyncio.get_running_loop()
    async with app.open_async():
        worker = asyncio.create_task(app.run_worker_async(
            queues=[QUEUE], concurrency=concurrency, name=engine.holder, install_signal_handlers=False,
            fetch_job_polling_interval=1.0, abort_job_polling_interval=1.0, listen_notify=True,
            # Procrastinate's liveness on the same clock as the run's lease: a dead worker's jobs count
            # as stalled when its runs are interrupted, and are then finished (queue.tidy_stalled_jobs)
            update_heartbeat_interval=engine.control.heartbeat_s, stalled_worker_timeout=engine.control.lease_s,
        ))

        def shut_down() -> None:
            engine.cancel_all(SHUTDOWN_REASON)  # runs in hand end now (recorded as stopped)
            worker.cancel()  # Procrastinate then waits for those jobs and takes no new one

        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, shut_down)
        print(f"worker {engine.holder} takes runs from {db.location} ({concurrency} at once)", flush=True)
        try:
            await worker
        except asyncio.CancelledError:
            pass
    threads.shutdown(wait=True)


def _load_the_model_client() -> None:
    """Import litellm before taking runs: a worker is there to call models, and its first run would otherwise
    wait the seconds that import takes. What is loaded then leaves the garbage collector's walks."""
    from components.llm.litellm_loader import get_litellm

    get_litellm()
    gc.freeze()


def worker_command(args: argparse.Namespace) -> int:
    from storage import StorageError, open_database
    from studio.cli import EXIT_OK, EXIT_USAGE
    from studio.runs.mode import RunsModeError, check_workers_database

    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if args.concurrency < 1:
        print("error: --concurrency must be at least 1", file=sys.stderr)
        return EXIT_USAGE
    try:
        db = open_database(args.db)
        check_workers_database(db)
        ensure_queue_schema(db)
    except (StorageError, RunsModeError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    _load_the_model_client()
    engine = RunEngine(db, data_dir(), input_timeout_s=args.input_timeout, role="worker",
                       concurrency=args.concurrency)
    try:
        asyncio.run(serve(db, engine, args.concurrency))
    finally:
        engine.close(SHUTDOWN_REASON)
        db.close()
    print(f"worker {engine.holder} stopped", flush=True)
    # Every run is recorded and the lease given up. An LLM call abandoned by a stop still occupies a
    # thread of the client's pool, which the interpreter would join at exit (up to the call's timeout).
    sys.stderr.flush()
    os._exit(EXIT_OK)
