"""The control loop of a process that executes runs: its lease, and what others ask of its runs.

One thread per process (per ``RunEngine``). It renews the process's lease, polls the database for stop
requests and answers addressed to the runs it holds and hands them to those runs (within one poll,
0.2 s), notices when a run it holds was declared interrupted (its lease lapsed, e.g. the database was
unreachable), and marks runs of dead processes interrupted (in workers mode it then finishes their
queue jobs, ``studio.runs.queue.tidy_stalled_jobs``). Stop and answer go through the database
even inside one process, so the studio, the CLI and workers all take the same path.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from storage import Database
from storage.control import (
    interrupt_lapsed_runs,
    lease_seconds,
    new_holder,
    poll_held,
    register_process,
    unregister_process,
)
from storage.errors import database_error_reason

if TYPE_CHECKING:
    from studio.runs.writer import RunHandle

logger = logging.getLogger(__name__)

POLL_S = 0.2
LOST_LEASE = "this process lost its lease on the run (the database was unreachable for too long)"


class ControlLoop:
    """Heartbeats ``holder``'s lease and relays stored stop requests and answers to local runs."""

    def __init__(
        self, db: Database, role: str, handles: Callable[[], dict[int, RunHandle]],
        *, lease_s: float | None = None, concurrency: int = 0, after_sweep: Callable[[], object] | None = None,
    ) -> None:
        self.db = db
        self.role = role
        self.holder = new_holder()
        self.lease_s = lease_s if lease_s is not None else lease_seconds()
        self.concurrency = concurrency
        self._handles = handles
        self._after_sweep = after_sweep  # more to tidy after each sweep (workers: jobs of dead workers)
        self._wake = threading.Event()
        self._closing = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def heartbeat_s(self) -> float:
        return self.lease_s / 5

    @property
    def sweep_s(self) -> float:
        return min(5.0, self.lease_s / 3)

    def start(self) -> None:
        register_process(self.db, self.holder, self.role, self.lease_s, self.concurrency)
        self._thread = threading.Thread(target=self._loop, name=f"roundtable-control-{self.role}", daemon=True)
        self._thread.start()

    def poke(self) -> None:
        """Poll now (something was just asked of a run)."""
        self._wake.set()

    def close(self) -> None:
        self._closing.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(5)
        try:
            unregister_process(self.db, self.holder)
        except Exception:  # noqa: BLE001 - the lease lapses on its own
            logger.warning("could not remove the lease of %s at exit", self.holder, exc_info=True)

    def _loop(self) -> None:
        next_beat = time.monotonic() + self.heartbeat_s
        next_sweep = 0.0
        while not self._closing.is_set():
            self._wake.wait(POLL_S)
            self._wake.clear()
            if self._closing.is_set():
                return
            try:
                now = time.monotonic()
                if now >= next_beat:
                    register_process(self.db, self.holder, self.role, self.lease_s, self.concurrency)
                    next_beat = now + self.heartbeat_s
                self._relay()
                if now >= next_sweep:
                    interrupt_lapsed_runs(self.db)
                    next_sweep = now + self.sweep_s
                    if self._after_sweep is not None:
                        self._after_sweep()
            except Exception as error:  # noqa: BLE001 - a database hiccup: try again next poll
                logger.warning("the control loop of %s could not reach the database: %s", self.holder,
                               database_error_reason(error))

    def _relay(self) -> None:
        handles = {run_id: h for run_id, h in self._handles().items() if not h.done.is_set()}
        if not handles:
            return
        held, answers = poll_held(self.db, self.holder, list(handles))
        for run in held:
            handle = handles[run.run_id]
            if run.stop_reason:
                handle.cancellation.cancel(run.stop_reason)
            elif run.status == "interrupted":
                handle.cancellation.cancel(LOST_LEASE)
        for answer in answers:
            handles[answer.run_id].answers.put((answer.request_id, answer.text))
