"""The event appender of a run's executor: one connection of its own and the last seq it stored.

``append_events`` checks a connection out of the pool (with a liveness ping) and reads the run's highest
seq on every call. The process that holds a run's lease is its one regular writer, so on PostgreSQL it
keeps a connection outside the pool and counts: an append is an INSERT with the next seq and a COMMIT,
committed before it returns as before. Someone else may still append to the run (the engine recording
an error, a second writer): the key (run_id, seq) then refuses the INSERT, and the appender rolls back,
reads the highest seq again and retries. If the connection breaks, whether the last COMMIT happened is
unknown: the appender reconnects and looks for its events (same ts and payload) before storing them
again, so an event is neither lost nor stored twice. Seqs stay gap-free and strictly increasing: a row
is only ever inserted at (highest committed seq) + 1 and the key refuses a second one there.

On SQLite writes are serialised on one kept connection anyway: the appender calls ``append_events``.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from components.events import Event
from storage.errors import NotFoundError
from storage.eventlog import _LAST_SEQ, MAX_CONFLICTS, append_events, event_rows, insert_rows

if TYPE_CHECKING:
    from storage.database import Database

RECONNECTS = 3  # connection attempts after the connection broke, RECONNECT_PAUSE_S * n apart
RECONNECT_PAUSE_S = 0.2
_FIND = "SELECT seq, payload FROM events WHERE run_id = %s AND seq > %s AND ts = %s ORDER BY seq"


class EventAppender:
    """Appends the events of one run; thread-safe. ``close()`` when the run has ended."""

    def __init__(self, db: Database, run_id: int) -> None:
        self.db = db
        self.run_id = run_id
        self._lock = threading.Lock()
        self._connection: Any = None
        self._last: int | None = None  # the highest seq this appender knows to be stored
        self._closed = False

    def append(self, events: Sequence[Event]) -> int:
        """Store ``events`` after the run's last one, committed on return; returns the new last seq."""
        if self.db.is_sqlite or self._closed:
            return append_events(self.db, self.run_id, events)
        with self._lock:
            return self._append(list(events))

    def close(self) -> None:
        """Give the connection back (close it); later appends go through ``append_events``."""
        with self._lock:
            self._closed = True
            self._drop()

    def _append(self, events: list[Event]) -> int:
        import psycopg
        from psycopg import errors

        rows = event_rows(events)
        unsure = False  # these rows may have been committed by a connection that broke
        conflicts = reconnects = 0
        while True:
            connection = self._connect(reconnects)
            try:
                last = self._store(connection, events, rows, unsure)
            except errors.UniqueViolation:  # another writer took the seq: count again
                connection.rollback()
                self._last = None
                conflicts += 1
                if conflicts >= MAX_CONFLICTS:
                    raise
            except errors.ForeignKeyViolation:
                connection.rollback()
                raise NotFoundError(f"there is no run {self.run_id}") from None
            except psycopg.Error:
                if not (connection.broken or connection.closed):
                    connection.rollback()
                    raise
                self._drop()  # the outcome of what was sent is unknown: look before storing again
                unsure, self._last = True, None
                reconnects += 1
                if reconnects > RECONNECTS:
                    raise
            except BaseException:
                self._drop()  # e.g. interrupted mid-statement: the transaction's state is unknown
                raise
            else:
                self._last = last
                return last

    def _store(self, connection: Any, events: list[Event], rows: list[tuple[Any, ...]], unsure: bool) -> int:
        with connection.cursor() as cursor:
            if self._last is None:
                cursor.execute(self.db.sql(_LAST_SEQ), (self.run_id,))
                found = cursor.fetchone()
                if found is None:
                    connection.rollback()
                    raise NotFoundError(f"there is no run {self.run_id}")
                self._last = found[0]
            last: int = self._last
            if unsure and rows:
                stored = self._stored_at(cursor, rows)
                if stored is not None:
                    connection.rollback()  # nothing written in this transaction
                    return max(last, stored + len(rows) - 1)
            if not rows:
                connection.rollback()
                return last
            insert_rows(self.db, cursor, self.run_id, last, rows, events)
        connection.commit()
        return last + len(rows)

    def _stored_at(self, cursor: Any, rows: list[tuple[Any, ...]]) -> int | None:
        """The seq of the first of ``rows`` if an earlier attempt stored them (one transaction: all or none)."""
        first = rows[0]
        cursor.execute(_FIND, (self.run_id, 0, first[3]))
        for seq, payload in cursor.fetchall():
            if payload == first[4]:
                return int(seq)
        return None

    def _connect(self, attempt: int) -> Any:
        if self._connection is not None:
            return self._connection
        if attempt:
            time.sleep(RECONNECT_PAUSE_S * attempt)
        pooled = self.db.engine.raw_connection()  # made with the engine's settings (synchronous_commit)
        pooled.detach()  # ours alone from now on: it is closed, not returned, when the run ends
        self._connection = pooled.dbapi_connection
        return self._connection

    def _drop(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            try:
                connection.close()
            except Exception:  # noqa: BLE001 - it is broken or gone: nothing to give back
                pass
