"""The run engine: executes conversations in threads, stores every event as it happens, and carries
Stop and human answers (stored in the database by any process) back into the run.

The database is the source of truth: the page only reads "events after seq N", so a browser refresh,
a second tab, another studio process or a replay all see the same run. Token deltas are the exception:
there are many, so they stay in memory (``RunHandle.streaming``) for the live view only; whole messages
are always stored. Every run is claimed by one process (its lease, ``storage.control``); the engine's
``ControlLoop`` renews that lease and relays stop requests and answers to the run within 0.2 s.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path

from components.coding.sandbox_reaper import start_sandbox_reaper
from components.errors import HumanInputTimeout, LLMError, RunCancelled
from components.events import ErrorRaised, Event, MessageSent, Notice
from components.mcp.errors import McpServerError
from components.runtime import EventBus, InputRequest, run_context
from storage import Database
from storage.control import claim_run, request_stop, run_control, send_answer
from storage.documents import FINISHED_STATUSES, TeamDocument
from storage.errors import (
    KeyEndpointError,
    KeyNotSharedError,
    NotFoundError,
    RunStateError,
    database_error_reason,
)
from storage.people import Actor
from storage.runs import get_run, run_snapshot, set_run_status
from studio.exposure import HostCodeRefused, check_host_code
from studio.runs.control import ControlLoop
from studio.runs.files import run_folder
from studio.runs.human_input import ask_human
from studio.runs.mode import RunsMode, check_workers_database
from studio.runs.store import store_run
from studio.runs.writer import EventWriter, RunHandle

logger = logging.getLogger(__name__)

DEFAULT_INPUT_TIMEOUT_S = 15 * 60
STATUS_RETRY_S = 10 * 60  # how long a run whose status could not be stored keeps trying (a full disk)
STATUS_RETRY_INTERVAL_S = 0.5


def _is_database_error(error: BaseException) -> bool:
    """A failure of the database itself (the driver's errors), as opposed to a bug or a refused value."""
    from sqlalchemy.exc import DBAPIError, OperationalError

    return isinstance(error, DBAPIError | OperationalError) or type(error).__module__.split(".")[0] in (
        "sqlite3", "psycopg"
    )


class RunEngine:
    """Starts, executes, stops and answers runs. One per process (the studio keeps it in
    ``st.cache_resource``; a worker has one); ``close()`` at exit stops the runs it holds."""

    def __init__(
        self, db: Database, data_dir: Path, input_timeout_s: float = DEFAULT_INPUT_TIMEOUT_S,
        subscribers: list[Callable[[Event], None]] = (),  # type: ignore[assignment]
        *, role: str = "studio", lease_s: float | None = None, concurrency: int = 0, mode: RunsMode = "local",
        sandbox_sweep_after_s: float = 0.0,
    ) -> None:
        from studio.runs.queue import RunQueue, ensure_queue_schema

        if mode == "workers":
            check_workers_database(db)
            ensure_queue_schema(db)
        self.mode = mode  # local: start() executes here; workers: start() enqueues for worker processes
        self.host_code_refusal: str | None = None  # why code may not run on this host (studio.exposure)
        queued = mode == "workers" or role == "worker"  # Procrastinate's tables are there: tidy its jobs too
        self.queue = RunQueue(db) if queued else None
        self.db = db
        self.data_dir = Path(data_dir)
        self.input_timeout_s = input_timeout_s
        self.subscribers = list(subscribers)  # extra listeners for every run (the CLI prints events)
        self.status_retry_s = STATUS_RETRY_S
        self._handles: dict[int, RunHandle] = {}
        self._lock = threading.Lock()
        # containers of processes killed with kill -9 go, soon and every 30 s
        start_sandbox_reaper(first_pass_after_s=sandbox_sweep_after_s)
        self.control = ControlLoop(db, role, self._live_handles, lease_s=lease_s, concurrency=concurrency,
                                   after_sweep=self._tidy_stalled_jobs if self.queue is not None else None)
        self.control.start()

    @property
    def holder(self) -> str:
        """This process's lease holder id (``run_control.holder`` of the runs it executes)."""
        return self.control.holder

    def _live_handles(self) -> dict[int, RunHandle]:
        with self._lock:
            return dict(self._handles)

    # -- starting ------------------------------------------------------------------------------------
    def start(
        self,
        document: TeamDocument,
        task: str,
        *,
        api_keys: dict[str, str | None] | None = None,
        files: list[tuple[str, bytes]] = (),  # type: ignore[assignment]
        continues: tuple[int, int | None] | None = None,
        session_id: int | None = None,
        note: str = "",
        owner: Actor | None = None,
    ) -> int:
        """Store a new run of ``document`` and execute it in a thread here; returns the run id at once.

        ``continues=(run_id, upto_seq)``: the messages of that run (up to that seq) are restored into the
        agents first, so the task continues that conversation (Continue, Fork from here).
        """
        if self.mode == "workers":
            run_id = self.create(document, task, files=files, continues=continues, session_id=session_id,
                                 note=note, owner=owner)
            self.enqueue(run_id, files)
            return run_id
        run_id = self.create(document, task, files=files, continues=continues, session_id=session_id, note=note,
                             claim=True, owner=owner)
        self.launch(run_id, api_keys=api_keys, document=document)
        return run_id

    def enqueue(self, run_id: int, files: list[tuple[str, bytes]] = ()) -> None:  # type: ignore[assignment]
        """Put a stored run on the workers' queue (workers mode); a worker claims and executes it."""
        assert self.queue is not None, "enqueue needs workers mode"
        self.queue.put(run_id, files)

    def _tidy_stalled_jobs(self) -> None:
        assert self.queue is not None
        self.queue.tidy(self.control.lease_s)

    def create(
        self, document: TeamDocument, task: str, *, files: list[tuple[str, bytes]] = (),  # type: ignore[assignment]
        continues: tuple[int, int | None] | None = None, session_id: int | None = None, note: str = "",
        claim: bool = False, owner: Actor | None = None,
    ) -> int:
        """Store a new run (status created); ``claim``: held by this process, else it waits for one."""
        return store_run(self.db, self.data_dir, document, task, files=files, continues=continues,
                         session_id=session_id, note=note, holder=self.holder if claim else None, owner=owner)

    def launch(
        self, run_id: int, *, api_keys: dict[str, str | None] | None = None, document: TeamDocument | None = None
    ) -> RunHandle:
        """Execute a run this process holds in a new thread (``document``: its team, if at hand)."""
        handle = RunHandle(run_id=run_id, work_dir=run_folder(self.data_dir, run_id))
        thread = threading.Thread(
            target=self._work, args=(handle, api_keys, document), name=f"roundtable-run-{run_id}", daemon=True,
        )
        handle.thread = thread
        with self._lock:
            self._handles[run_id] = handle
        thread.start()
        return handle

    def execute(self, run_id: int, *, api_keys: dict[str, str | None] | None = None) -> bool:
        """Claim a stored run and execute it in this thread (a detached CLI child, a worker's job).
        False if another process claimed it first or it already ended: a run is never executed twice."""
        if not claim_run(self.db, run_id, self.holder):
            return False
        handle = RunHandle(run_id=run_id, work_dir=run_folder(self.data_dir, run_id))
        handle.work_dir.mkdir(parents=True, exist_ok=True)
        with self._lock:
            self._handles[run_id] = handle
        self._work(handle, api_keys, None)
        return True

    # -- controlling (any run this database holds, whichever process executes it) -------------------
    def handle(self, run_id: int) -> RunHandle | None:
        with self._lock:
            return self._handles.get(run_id)

    def is_active(self, run_id: int) -> bool:
        """True while this process executes the run."""
        handle = self.handle(run_id)
        return handle is not None and not handle.done.is_set()

    def pending(self, run_id: int, status: str | None = None) -> InputRequest | None:
        """The question the run waits on, whichever process executes it (``status``: the run's, if known)."""
        handle = self.handle(run_id)
        if handle is not None:
            return handle.pending
        try:
            if (status or get_run(self.db, run_id).status) != "waiting_for_input":
                return None
            stored = run_control(self.db, run_id).pending
        except NotFoundError:
            return None
        return InputRequest.from_dict(stored) if stored else None

    def stop(self, run_id: int, reason: str = "stopped by the user") -> bool:
        """Ask a run to stop (stored, so its executor acts within a poll): the LLM call is abandoned and
        running code killed. False if it has already ended."""
        try:
            request_stop(self.db, run_id, reason)
        except (NotFoundError, RunStateError):
            return False
        self.control.poke()
        job_id = run_control(self.db, run_id).launch.get("job_id")
        if self.mode == "workers" and self.queue is not None and job_id is not None:
            self.queue.abort(job_id)  # the backstop: Procrastinate's own abort
        return True

    def answer(self, run_id: int, request_id: str, text: str) -> bool:
        """Give a human's answer to the input request ``request_id``. False if the run is not waiting on it."""
        try:
            send_answer(self.db, run_id, text, request_id)
        except (NotFoundError, RunStateError):
            return False
        self.control.poke()
        return True

    def wait(self, run_id: int, timeout: float | None = None) -> bool:
        """Wait until the run ends (here, or in whichever process executes it); False on timeout."""
        handle = self.handle(run_id)
        if handle is not None:
            return handle.done.wait(timeout)
        deadline = None if timeout is None else time.monotonic() + timeout
        while get_run(self.db, run_id).status not in FINISHED_STATUSES:
            if deadline is not None and time.monotonic() > deadline:
                return False
            time.sleep(0.1)
        return True

    def cancel_all(self, reason: str) -> list[RunHandle]:
        """Stop every run executing here at once (safe from a signal handler); returns their handles."""
        handles = [h for h in self._live_handles().values() if not h.done.is_set()]
        for handle in handles:
            handle.cancellation.cancel(reason)
        return handles

    def close(self, reason: str = "the process running it shut down", timeout: float = 10.0) -> None:
        """Stop the runs executing here (recorded as stopped, with ``reason``), then give up the lease."""
        handles = self.cancel_all(reason)
        deadline = time.monotonic() + timeout
        for handle in handles:
            handle.done.wait(max(0.0, deadline - time.monotonic()))
        self.control.close()
        if self.queue is not None:
            self.queue.close()

    # -- the worker ----------------------------------------------------------------------------------
    def _prepare(
        self, handle: RunHandle, document: TeamDocument | None
    ) -> tuple[TeamDocument, str, list[MessageSent], str, int]:
        """What the run needs, from the database (so any process can execute it)."""
        from pydantic import ValidationError

        from studio.runs.service import conversation

        if document is None:
            try:
                document = run_snapshot(self.db, handle.run_id)
            except ValidationError as exc:
                problem = exc.errors()[0]
                where = ".".join(str(part) for part in problem["loc"])
                raise ValueError(f"the team stored with this run is not valid: {where}: {problem['msg']}") from None
        run = get_run(self.db, handle.run_id)
        control = run_control(self.db, handle.run_id)
        if control.stop_reason:
            handle.cancellation.cancel(control.stop_reason)
        launch = control.launch
        history = conversation(self.db, launch["continues"], launch.get("upto_seq")) if "continues" in launch else []
        check_host_code(document, self.host_code_refusal)
        return document, run.task, history, launch.get("note", ""), run.owner_id

    def _work(
        self, handle: RunHandle, api_keys: dict[str, str | None] | None, document: TeamDocument | None
    ) -> None:
        bus = EventBus()
        writer = EventWriter(self.db, handle)
        bus.subscribe(writer)
        for subscriber in self.subscribers:
            bus.subscribe(subscriber)
        status, error = "completed", None
        try:
            document, task, history, note, owner_id = self._prepare(handle, document)
            if api_keys is None:  # executed apart from where it started (a worker): as the run's owner
                from studio.runs.service import api_keys_for

                api_keys = api_keys_for(self.db, document, owner_id)
            handle.cancellation.raise_if_cancelled()
            set_run_status(self.db, handle.run_id, "running")
            # the engine itself: loaded by the first run, not by the studio's first page
            from studio.builder import build_team
            from studio.runs.resume import restore_history

            with run_context(bus=bus, cancellation=handle.cancellation,
                             input_fn=ask_human(self.db, handle, self.input_timeout_s)):
                team = build_team(document, handle.work_dir, api_keys)
                try:
                    if note:
                        bus.publish(Notice(message=note))
                    if history:
                        restore_history(team, history, bus)
                    team.initiator.initiate_chat(
                        team.recipient, message=task, clear_history=not history, **team.chat_kwargs
                    )
                finally:
                    team.close()
        except RunCancelled as exc:
            status, error = "stopped", str(exc) or "stopped by the user"
            if handle.storage_error is not None:
                status, error = "failed", handle.storage_error
        except HumanInputTimeout as exc:
            status, error = "stopped", str(exc)
        except LLMError as exc:
            status, error = "failed", str(exc)  # the client already published the error event
        except (KeyEndpointError, KeyNotSharedError) as exc:  # resolved here when a worker executes a run
            status, error = "failed", str(exc)
            self._record(handle, ErrorRaised(error_kind="key", message=error))
        except HostCodeRefused as exc:
            status, error = "failed", str(exc)
            self._record(handle, ErrorRaised(error_kind="run", message=error))
        except McpServerError as exc:  # a tool server could not be started or reached: already a sentence
            status, error = "failed", str(exc)
            self._record(handle, ErrorRaised(error_kind="tool", message=error))
        except Exception as exc:
            if handle.storage_error is None and _is_database_error(exc):
                handle.storage_failed(exc)  # e.g. the status write at the start, or while asking a human
            if handle.storage_error is not None:
                status, error = "failed", handle.storage_error
            else:
                logger.exception("run %s failed", handle.run_id)
                status, error = "failed", f"{type(exc).__name__}: {exc}"
                self._record(handle, ErrorRaised(error_kind="run", message=error))
        finally:
            handle.streaming.clear()
            writer.clear_live()
            handle.outcome = (status, error)
            try:
                self._finish(handle, status, error)
            finally:
                handle.close_appender()

    def _finish(self, handle: RunHandle, status: str, error: str | None) -> None:
        """Record how the run ended. If the database refuses (a full disk), keep trying in the background
        for ``status_retry_s``: the run then reads "failed" as soon as a write succeeds again, and if this
        process ends first, the next start marks it interrupted. Waiters are released at once either way."""
        try:
            if handle.storage_error is not None:
                handle.append(self.db, [ErrorRaised(error_kind="storage", message=handle.storage_error)])
            if get_run(self.db, handle.run_id).status != "interrupted":  # else its lease lapsed: keep that
                set_run_status(self.db, handle.run_id, status, error=error)  # type: ignore[arg-type]
        except Exception as first:  # noqa: BLE001
            handle.storage_error = handle.storage_error or (
                f"could not store the conversation: {database_error_reason(first)}"
            )
            handle.outcome = ("failed", handle.storage_error)
            handle.done.set()
            self._retry_finish(handle)
        else:
            handle.done.set()

    def _retry_finish(self, handle: RunHandle) -> None:
        deadline = time.monotonic() + self.status_retry_s
        while time.monotonic() < deadline:
            time.sleep(STATUS_RETRY_INTERVAL_S)
            try:
                set_run_status(self.db, handle.run_id, "failed", error=handle.storage_error)
            except Exception:  # noqa: BLE001 - still refused: try again
                continue
            self._record(handle, ErrorRaised(error_kind="storage", message=handle.storage_error or ""))
            return
        logger.error("run %s: the database still refuses writes; its status is left to the next start", handle.run_id)

    def _record(self, handle: RunHandle, event: Event) -> None:
        try:
            handle.append(self.db, [event])
        except Exception:
            logger.exception("could not record the error of run %s", handle.run_id)
