"""The run engine: starts conversations in background workers, stores every event as it happens, and
carries Stop and human answers back into the run.

The database is the source of truth: the page only reads "events after seq N", so a browser refresh,
a second tab or a replay all see the same run. Token deltas are the exception: there are many, so they
stay in memory (``RunHandle.streaming``) for the live view only; whole messages are always stored.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from components import RunCancelled, run_context
from components.coding.sandbox_reaper import start_sandbox_reaper
from components.errors import HumanInputTimeout, LLMError
from components.events import ErrorRaised, Event, MessageSent, Notice, TokenDelta
from components.runtime import CancellationToken, EventBus, InputRequest
from storage import Database
from storage.documents import TeamDocument
from storage.errors import database_error_reason
from storage.eventlog import append_events
from storage.runs import create_run, set_run_status
from studio.builder import build_team
from studio.runs.files import run_folder
from studio.runs.resume import restore_history

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


@dataclass
class RunHandle:
    """A run that this process is executing."""

    run_id: int
    work_dir: Path
    cancellation: CancellationToken = field(default_factory=CancellationToken)
    answers: queue.Queue[tuple[str, str]] = field(default_factory=queue.Queue)
    pending: InputRequest | None = None
    streaming: dict[str, tuple[str, str]] = field(default_factory=dict)  # stream_id -> (agent, text so far)
    done: threading.Event = field(default_factory=threading.Event)
    thread: threading.Thread | None = None
    storage_error: str | None = None  # set when an event could not be stored: the run is cancelled at once
    outcome: tuple[str, str | None] | None = None  # (status, error) the run ended with, even if unstored

    def storage_failed(self, error: BaseException) -> None:
        """An event write failed: stop the run now (nothing it does from here could be kept)."""
        if self.storage_error is None:
            self.storage_error = f"could not store the conversation: {database_error_reason(error)}"
            logger.error("run %s: %s", self.run_id, self.storage_error)
        self.cancellation.cancel(self.storage_error)

    def live_text(self) -> tuple[str, str] | None:
        """(agent, text) of the reply being streamed right now, if any."""
        items = list(self.streaming.values())
        return items[-1] if items else None


def _upload_name(name: str) -> str:
    """An uploaded file's name without any folder part (a name like ".." or "" becomes "upload")."""
    base = Path(name.replace("\\", "/")).name
    return base if base not in ("", ".", "..") else "upload"


class EventWriter:
    """Subscriber that commits each event to the database the moment it is published."""

    def __init__(self, db: Database, handle: RunHandle) -> None:
        self.db = db
        self.handle = handle

    def __call__(self, event: Event) -> None:
        if isinstance(event, TokenDelta):
            agent, text = self.handle.streaming.get(event.stream_id, (event.agent, ""))
            self.handle.streaming[event.stream_id] = (agent, text + event.text)
            return
        if isinstance(event, MessageSent):
            self.handle.streaming.clear()
        if self.handle.storage_error is not None:
            return  # the run is being cancelled; a later event must not land after a gap
        try:
            append_events(self.db, self.handle.run_id, [event])
        except Exception as error:  # noqa: BLE001 - any failure to store ends the run (disk full, server gone)
            self.handle.storage_failed(error)


class RunEngine:
    """Starts, stops and answers runs. One per process (the studio keeps it in ``st.cache_resource``)."""

    def __init__(
        self, db: Database, data_dir: Path, input_timeout_s: float = DEFAULT_INPUT_TIMEOUT_S,
        subscribers: list[Callable[[Event], None]] = (),  # type: ignore[assignment]
    ) -> None:
        self.db = db
        self.data_dir = Path(data_dir)
        self.input_timeout_s = input_timeout_s
        self.subscribers = list(subscribers)  # extra listeners for every run (the CLI prints events)
        self.status_retry_s = STATUS_RETRY_S
        self._handles: dict[int, RunHandle] = {}
        self._lock = threading.Lock()
        start_sandbox_reaper()  # containers of processes killed with kill -9 go, now and every 30 s

    # -- starting ------------------------------------------------------------------------------------
    def start(
        self,
        document: TeamDocument,
        task: str,
        *,
        api_keys: dict[str, str | None] | None = None,
        files: list[tuple[str, bytes]] = (),  # type: ignore[assignment]
        history: list[MessageSent] | None = None,
        session_id: int | None = None,
        note: str = "",
    ) -> int:
        """Store a new run of ``document`` and start it in a worker; returns the run id at once.

        ``history`` (messages of an earlier run) is restored into the agents first, so the task continues
        that conversation (Continue, Fork from here).
        """
        if not task.strip():
            raise ValueError("the task is empty: type what the team should do")
        run_id = create_run(self.db, document, task, session_id=session_id)
        work_dir = run_folder(self.data_dir, run_id)
        work_dir.mkdir(parents=True, exist_ok=True)
        for name, data in files:
            (work_dir / _upload_name(name)).write_bytes(data)
        handle = RunHandle(run_id=run_id, work_dir=work_dir)
        thread = threading.Thread(
            target=self._work, args=(handle, document, task, api_keys or {}, history or [], note),
            name=f"roundtable-run-{run_id}", daemon=True,
        )
        handle.thread = thread
        with self._lock:
            self._handles[run_id] = handle
        thread.start()
        return run_id

    # -- controlling ---------------------------------------------------------------------------------
    def handle(self, run_id: int) -> RunHandle | None:
        with self._lock:
            return self._handles.get(run_id)

    def is_active(self, run_id: int) -> bool:
        handle = self.handle(run_id)
        return handle is not None and not handle.done.is_set()

    def stop(self, run_id: int, reason: str = "stopped by the user") -> bool:
        """Ask a run to stop: the LLM call is abandoned and running code killed. False if not running here."""
        handle = self.handle(run_id)
        if handle is None or handle.done.is_set():
            return False
        handle.cancellation.cancel(reason)
        return True

    def answer(self, run_id: int, request_id: str, text: str) -> bool:
        """Give a human's answer to the input request ``request_id``. False if the run is not waiting."""
        handle = self.handle(run_id)
        if handle is None or handle.done.is_set():
            return False
        handle.answers.put((request_id, text))
        return True

    def wait(self, run_id: int, timeout: float | None = None) -> bool:
        handle = self.handle(run_id)
        return True if handle is None else handle.done.wait(timeout)

    # -- the worker ----------------------------------------------------------------------------------
    def _work(
        self, handle: RunHandle, document: TeamDocument, task: str, api_keys: dict[str, str | None],
        history: list[MessageSent], note: str,
    ) -> None:
        bus = EventBus()
        bus.subscribe(EventWriter(self.db, handle))
        for subscriber in self.subscribers:
            bus.subscribe(subscriber)
        status, error = "completed", None
        try:
            set_run_status(self.db, handle.run_id, "running")
            with run_context(bus=bus, cancellation=handle.cancellation, input_fn=self._input_fn(handle)):
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
            handle.outcome = (status, error)
            self._finish(handle, status, error)

    def _finish(self, handle: RunHandle, status: str, error: str | None) -> None:
        """Record how the run ended. If the database refuses (a full disk), keep trying in the background
        for ``status_retry_s``: the run then reads "failed" as soon as a write succeeds again, and if this
        process ends first, the next start marks it interrupted. Waiters are released at once either way."""
        try:
            if handle.storage_error is not None:
                append_events(self.db, handle.run_id, [ErrorRaised(error_kind="storage", message=handle.storage_error)])
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
            append_events(self.db, handle.run_id, [event])
        except Exception:
            logger.exception("could not record the error of run %s", handle.run_id)

    def _input_fn(self, handle: RunHandle):  # type: ignore[no-untyped-def]
        timeout = self.input_timeout_s

        def ask(request: InputRequest) -> str:
            set_run_status(self.db, handle.run_id, "waiting_for_input")
            handle.pending = request
            deadline = time.monotonic() + timeout
            try:
                while True:
                    try:
                        request_id, text = handle.answers.get(timeout=0.2)
                    except queue.Empty:
                        handle.cancellation.raise_if_cancelled()
                        if time.monotonic() > deadline:
                            raise HumanInputTimeout(
                                f"nobody answered {request.agent}'s question within {timeout / 60:g} minutes; "
                                "the conversation so far is saved: continue it from History"
                            ) from None
                        continue
                    if request_id == request.request_id:
                        return text
            finally:
                handle.pending = None
                if not handle.cancellation.cancelled:
                    set_run_status(self.db, handle.run_id, "running")

        return ask
