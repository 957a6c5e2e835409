"""The event log of a run: append events as they happen, read them back for the live view and replay.

``append_events`` is one transaction per call, committed before it returns: once it returns, the
events survive a crash of the process (``storage.database`` says what a power cut can cost). Inside
it, appends to the run are serialised (on SQLite by the database's write lock, on PostgreSQL by
locking only that run's row), so "highest seq + 1" gives strictly increasing sequence numbers with
no gaps, and writers of different runs do not wait for each other on PostgreSQL. Usage events also
add to ``run_usage`` in the same transaction.

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


_LOCK_RUN = "SELECT id FROM runs WHERE id = ? FOR UPDATE"
_LAST_SEQ = "SELECT (SELECT COALESCE(MAX(seq), 0) FROM events WHERE run_id = runs.id) FROM runs WHERE id = ?"
_INSERT = (
    "INSERT INTO events (run_id, seq, kind, sender, recipient, ts, payload) VALUES (?, ?, ?, ?, ?, ?, ?)"
)
_SELECT = (
    "SELECT seq, kind, sender, recipient, ts, payload FROM events WHERE run_id = ? AND seq > ? ORDER BY seq"
)
_USAGE_GET = (
    "SELECT calls, prompt_tokens, completion_tokens, cost FROM run_usage WHERE run_id = ? AND agent = ?"
)
_USAGE_SET = (
    "UPDATE run_usage SET model = ?, calls = ?, prompt_tokens = ?, completion_tokens = ?, cost = ? "
    "WHERE run_id = ? AND agent = ?"
)
_USAGE_ADD = (
    "INSERT INTO run_usage (model, calls, prompt_tokens, completion_tokens, cost, run_id, agent) "
    "VALUES (?, ?, ?, ?, ?, ?, ?)"
)


def _add_usage(db: Database, cursor: Any, run_id: int, events: Sequence[Event]) -> None:
    by_agent: dict[str, list[Usage]] = {}
    for event in events:
        if isinstance(event, Usage):
            by_agent.setdefault(event.agent, []).append(event)
    for agent, usages in by_agent.items():
        cursor.execute(db.sql(_USAGE_GET), (run_id, agent))
        calls, prompt, completion, cost = cursor.fetchone() or (0, 0, 0, None)
        costs = [u.cost for u in usages if u.cost is not None] + ([cost] if cost is not None else [])
        values = (
            usages[-1].model,
            calls + len(usages),
            prompt + sum(u.prompt_tokens for u in usages),
            completion + sum(u.completion_tokens for u in usages),
            sum(costs) if costs else None,
            run_id,
            agent,
        )
        cursor.execute(db.sql(_USAGE_SET if calls else _USAGE_ADD), values)


def append_events(db: Database, run_id: int, events: Sequence[Event]) -> int:
    """Store ``events`` after the run's last one, committed on return; returns the new last seq."""
    with db.write_cursor() as cursor:
        if not db.is_sqlite:
            cursor.execute(db.sql(_LOCK_RUN), (run_id,))  # a new statement then sees appends committed before
        cursor.execute(db.sql(_LAST_SEQ), (run_id,))
        row = cursor.fetchone()
        if row is None:
            raise NotFoundError(f"there is no run {run_id}")
        last: int = row[0] + len(events)
        if events:
            rows = []
            for seq, event in enumerate(events, start=row[0] + 1):
                sender, recipient = participants(event)
                rows.append((run_id, seq, event.kind, sender, recipient, event.ts, event_to_json(event)))
            if len(rows) == 1:
                cursor.execute(db.sql(_INSERT), rows[0])
            else:
                cursor.executemany(db.sql(_INSERT), rows)
            _add_usage(db, cursor, run_id, events)
        return last


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
