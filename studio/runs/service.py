"""Starting runs from stored designs: new runs, follow-ups that continue a run, and forks from a message.

Shared by the pages and the CLI, so both store runs the same way.
"""

from __future__ import annotations

from components.events import MessageSent
from storage import Database
from storage.designs import resolve_team
from storage.documents import TeamDocument
from storage.eventlog import StoredEvent, events_after
from storage.runs import get_run, run_snapshot
from storage.secrets import resolve_api_key
from studio.runs.engine import RunEngine


def api_keys_for(db: Database, document: TeamDocument) -> dict[str, str | None]:
    """Keys for the document's models: stored ones or their environment variables (never in the snapshot)."""
    return {model.name: resolve_api_key(db, model) for model in document.models}


def start_team_run(
    db: Database, engine: RunEngine, team: str | TeamDocument, task: str, files: list[tuple[str, bytes]] = ()  # type: ignore[assignment]
) -> int:
    """Run a stored team (by name) or a team document on ``task``; returns the new run's id."""
    document = resolve_team(db, team) if isinstance(team, str) else team
    return engine.start(document, task, api_keys=api_keys_for(db, document), files=list(files))


def message_events(db: Database, run_id: int, upto_seq: int | None = None) -> list[StoredEvent]:
    """The stored message events of a run, in order (up to and including ``upto_seq``)."""
    events = events_after(db, run_id, 0)
    return [e for e in events if isinstance(e.event, MessageSent) and (upto_seq is None or e.seq <= upto_seq)]


def conversation(db: Database, run_id: int, upto_seq: int | None = None) -> list[MessageSent]:
    """The messages of a run, in order (up to and including ``upto_seq``)."""
    return [e.event for e in message_events(db, run_id, upto_seq)]  # type: ignore[misc]


def continue_run(db: Database, engine: RunEngine, run_id: int, message: str, upto_seq: int | None = None) -> int:
    """A new run of the same team that first restores ``run_id``'s conversation (up to ``upto_seq``:
    fork from there), then sends ``message``. The old run stays as it was."""
    document = run_snapshot(db, run_id)
    if upto_seq is None:
        where = "its end"
    else:  # the person chose a message by its number in the conversation, not by the log's event number
        where = f"message {len(message_events(db, run_id, upto_seq))}"
    note = f"Continues run #{run_id} ({get_run(db, run_id).task[:60]!r}) from {where}."
    return engine.start(document, message, api_keys=api_keys_for(db, document), continues=(run_id, upto_seq),
                        note=note)
