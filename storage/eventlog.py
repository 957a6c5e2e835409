"""The event log of a run: append events as they happen, read them back for the live view and replay.

``append_events`` is one transaction per call, committed before it returns: once it returns, the
events survive a crash of the process (``storage.database`` says what a power cut can cost). Each
event gets the run's highest seq + 1, so sequence numbers are strictly increasing with no gaps. On
SQLite appends are serialised by the database's write lock. On PostgreSQL they are optimistic: two
writers of one run that read the same highest seq clash on the key (run_id, seq), and the one that
loses rolls back and counts again; writers of different runs never wait for each other. (Locking the
run's row instead costs a round trip, and deadlocks against a writer that inserts first: its
foreign-key check takes a KEY SHARE lock on that row.) Usage events also add to ``run_usage`` in the
same transaction; two transactions that both store events of one run are serialised by that key, so
the totals add up. The executor of a run appends through ``storage.appender`` (a kept connection).

This is the hot path, so it speaks plain SQL through a DBAPI cursor: SQLAlchemy's per-statement
overhead was three quarters of the cost of an append (docs/performance.md).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from components.events import Event, Usage, event_from_json, event_to_json
from storage.errors import NotFoundError

if TYPE_CHECKING:
    from storage.database import Database


@dataclass(frozen=True, slots=True)
class StoredEvent:
    """An event as stored: its place in the run and the decoded event."""

    seq: int
    kind: str
    sender: str | None
    recipient: str | None
    ts: float
    event: Event


def participants(event: Event) -> tuple[str | None, str | None]:
    """(sender, recipient) columns of an event: who acted, and whom it addressed if anyone."""
    match event.kind:
        case "message":
            return event.sender, event.recipient
        case "chat_started" | "chat_finished":
            return event.initiator, event.recipient
        case "speaker_selected":
            return event.speaker, None
        case _:
            return getattr(event, "agent", None), None


MAX_CONFLICTS = 100  # appends lost to other writers of the same run before giving up
_LAST_SEQ = "SELECT (SELECT COALESCE(MAX(seq), 0) FROM events WHERE run_id = runs.id) FROM runs WHERE id = ?"
_INSERT = (
    "INSERT INTO events (run_id, seq, kind, sender, recipient, ts, payload) VALUES (?, ?, ?, ?, ?, ?, ?)"
)
_SELECT = (
    "SELECT seq, kind, sender, recipient, ts, payload FROM events WHERE run_id = ? AND seq > ? ORDER BY seq"
)
_USAGE_ADD = (  # one statement (a round trip less than read + write), atomic on both databases
    "INSERT INTO run_usage (run_id, agent, model, calls, prompt_tokens, completion_tokens, cost) "
    "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (run_id, agent) DO UPDATE SET model = excluded.model, "
    "calls = run_usage.calls + excluded.calls, prompt_tokens = run_usage.prompt_tokens + excluded.prompt_tokens, "
    "completion_tokens = run_usage.completion_tokens + excluded.completion_tokens, "
    "cost = CASE WHEN run_usage.cost IS NULL AND excluded.cost IS NULL THEN NULL "
    "ELSE COALESCE(run_usage.cost, 0) + COALESCE(excluded.cost, 0) END"
)


def add_usage(db: Database, cursor: Any, run_id: int, events: Sequence[Event]) -> None:
    """Add the usage events to the run's totals per agent (in the caller's transaction)."""
    by_agent: dict[str, list[Usage]] = {}
    for event in events:
        if isinstance(event, Usage):
            by_agent.setdefault(event.agent, []).append(event)
    for agent, usages in by_agent.items():
        costs = [u.cost for u in usages if u.cost is not None]
        cursor.execute(db.sql(_USAGE_ADD), (
            run_id, agent, usages[-1].model, len(usages), sum(u.prompt_tokens for u in usages),
            sum(u.completion_tokens for u in usages), sum(costs) if costs else None,
        ))


def append_events(db: Database, run_id: int, events: Sequence[Event]) -> int:
    """Store ``events`` after the run's last one, committed on return; returns the new last seq."""
    if db.is_sqlite:
        return _append(db, run_id, events)
    from psycopg import errors

    for attempt in range(1, MAX_CONFLICTS + 1):
        try:
            return _append(db, run_id, events)
        except errors.UniqueViolation:  # another writer stored the same seq first: count again
            if attempt == MAX_CONFLICTS:
                raise
        except errors.ForeignKeyViolation:  # the run was deleted meanwhile
            raise NotFoundError(f"there is no run {run_id}") from None
    raise AssertionError("unreachable")


def _append(db: Database, run_id: int, events: Sequence[Event]) -> int:
    with db.write_cursor() as cursor:
        cursor.execute(db.sql(_LAST_SEQ), (run_id,))
        row = cursor.fetchone()
        if row is None:
            raise NotFoundError(f"there is no run {run_id}")
        if events:
            insert_rows(db, cursor, run_id, row[0], event_rows(events), events)
        return row[0] + len(events)


def event_rows(events: Sequence[Event]) -> list[tuple[Any, ...]]:
    """(kind, sender, recipient, ts, payload) of each event, as the events table stores them."""
    return [(event.kind, *participants(event), event.ts, event_to_json(event)) for event in events]


def insert_rows(
    db: Database, cursor: Any, run_id: int, after_seq: int, rows: list[tuple[Any, ...]], events: Sequence[Event],
) -> None:
    """Insert ``rows`` (from ``event_rows(events)``) as seqs after ``after_seq``, and add their usage, in the
    cursor's transaction."""
    params = [(run_id, after_seq + number, *row) for number, row in enumerate(rows, start=1)]
    if len(params) == 1:
        cursor.execute(db.sql(_INSERT), params[0])
    else:
        cursor.executemany(db.sql(_INSERT), params)
    add_usage(db, cursor, run_id, events)


def events_after(
    db: Database, run_id: int, after_seq: int = 0, limit: int | None = None
) -> list[StoredEvent]:
    """Events with seq > ``after_seq`` in order (all of them by default): the live view polls this."""
    query, params = _SELECT, (run_id, after_seq)
    if limit is not None:
        query, params = _SELECT + " LIMIT ?", (run_id, after_seq, limit)
    with db.read_cursor() as cursor:
        cursor.execute(db.sql(query), params)
        rows = cursor.fetchall()
    return [
        StoredEvent(seq, kind, sender, recipient, ts, event_from_json(payload))
        for seq, kind, sender, recipient, ts, payload in rows
    ]
