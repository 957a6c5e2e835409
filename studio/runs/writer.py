"""What a run executing in this process carries (``RunHandle``), and the subscriber that stores its
events as they happen (``EventWriter``)."""

from __future__ import annotations

import logging
import queue
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from components.events import Event, MessageSent, TokenDelta
from components.runtime import CancellationToken, InputRequest
from storage import Database
from storage.appender import EventAppender
from storage.control import clear_live, set_live
from storage.errors import database_error_reason

logger = logging.getLogger(__name__)

LIVE_INTERVAL_S = 0.2  # the streamed text is written for other processes at most this often per run


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
    appender: EventAppender | None = None  # the run's one writer of events (a connection of its own)

    def append(self, db: Database, events: list[Event]) -> int:
        """Store events of this run through its appender (made on first use), committed on return."""
        if self.appender is None:
            self.appender = EventAppender(db, self.run_id)
        return self.appender.append(events)

    def close_appender(self) -> None:
        if self.appender is not None:
            self.appender.close()

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


class EventWriter:
    """Subscriber that commits each event to the database the moment it is published.

    Token deltas are not events in the log: the text streamed so far is kept in memory for a page in
    this process and written to ``run_live`` at most every ``LIVE_INTERVAL_S`` for pages in other
    processes (a run on a worker), then cleared when the whole message is stored.
    """

    def __init__(self, db: Database, handle: RunHandle) -> None:
        self.db = db
        self.handle = handle
        self._live_written_at = 0.0
        self._live_stored = False

    def __call__(self, event: Event) -> None:
        if isinstance(event, TokenDelta):
            agent, text = self.handle.streaming.get(event.stream_id, (event.agent, ""))
            self.handle.streaming[event.stream_id] = (agent, text + event.text)
            self._share_live(agent, text + event.text)
            return
        if isinstance(event, MessageSent):
            self.handle.streaming.clear()
            self.clear_live()
        if self.handle.storage_error is not None:
            return  # the run is being cancelled; a later event must not land after a gap
        try:
            self.handle.append(self.db, [event])
        except Exception as error:  # noqa: BLE001 - any failure to store ends the run (disk full, server gone)
            self.handle.storage_failed(error)

    def _share_live(self, agent: str, text: str) -> None:
        now = time.monotonic()
        if now - self._live_written_at < LIVE_INTERVAL_S or self.handle.storage_error is not None:
            return
        self._live_written_at = now
        try:
            set_live(self.db, self.handle.run_id, agent, text)
            self._live_stored = True
        except Exception:  # noqa: BLE001 - only the live preview is lost; the message is stored whole
            logger.warning("run %s: could not share the streamed text", self.handle.run_id)

    def clear_live(self) -> None:
        if not self._live_stored:
            return
        self._live_stored = False
        self._live_written_at = 0.0
        try:
            clear_live(self.db, self.handle.run_id)
        except Exception:  # noqa: BLE001
            logger.warning("run %s: could not clear the streamed text", self.handle.run_id)
