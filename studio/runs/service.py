"""Starting runs from stored designs: new runs, follow-ups that continue a run, and forks from a message.

Shared by the pages and the CLI, so both store runs the same way. Each takes the person acting
(``actor``; None: the local admin): the new run is theirs, and the keys are those they may use.
"""

from __future__ import annotations

from components.events import MessageSent
from storage import Database
from storage.access import check_may_run
from storage.designs import resolve_team
from storage.documents import TeamDocument
from storage.eventlog import StoredEvent, events_after
from storage.people import Actor
from storage.runs import get_run, run_snapshot
from storage.secrets import resolve_api_key
from studio.exposure import check_host_code
from studio.runs.engine import RunEngine


def api_keys_for(db: Database, document: TeamDocument, owner_id: int | None = None) -> dict[str, str | None]:
    """Keys for the document's models, for a run of person ``owner_id``: stored ones (theirs, or shared
    with "others may use my key") or their environment variables (never in the snapshot)."""
    return {model.name: resolve_api_key(db, model, owner_id=owner_id) for model in document.models}


def start_document_run(
    db: Database, engine: RunEngine, document: TeamDocument, task: str, actor: Actor | None, **options: object
) -> int:
    """Start a run of ``document`` for ``actor``: refused for a viewer, or for code the host may not run;
    with the keys ``actor`` may use."""
    check_may_run(actor)
    check_host_code(document, engine.host_code_refusal)
    keys = api_keys_for(db, document, actor.person_id if actor else None)
    return engine.start(document, task, api_keys=keys, owner=actor, **options)  # type: ignore[arg-type]


def start_team_run(
    db: Database, engine: RunEngine, team: str | TeamDocument, task: str,
    files: list[tuple[str, bytes]] = (),  # type: ignore[assignment]
    actor: Actor | None = None,
) -> int:
    """Run a stored team (by name, if ``actor`` may see it) or a team document on ``task``; returns the
    new run's id."""
    document = resolve_team(db, team, actor) if isinstance(team, str) else team
    return start_document_run(db, engine, document, task, actor, files=list(files))


def message_events(db: Database, run_id: int, upto_seq: int | None = None) -> list[StoredEvent]:
    """The stored message events of a run, in order (up to and including ``upto_seq``)."""
    events = events_after(db, run_id, 0)
    return [e for e in events if isinstance(e.event, MessageSent) and (upto_seq is None or e.seq <= upto_seq)]


def conversation(db: Database, run_id: int, upto_seq: int | None = None) -> list[MessageSent]:
    """The messages of a run, in order (up to and including ``upto_seq``)."""
    return [e.event for e in message_events(db, run_id, upto_seq)]  # type: ignore[misc]


def continue_run(
    db: Database, engine: RunEngine, run_id: int, message: str, upto_seq: int | None = None,
    actor: Actor | None = None,
) -> int:
    """A new run of the same team that first restores ``run_id``'s conversation (up to ``upto_seq``:
    fork from there), then sends ``message``. The old run stays as it was; the new one is ``actor``'s,
    whoever owned the old one (a shared run may be continued by anyone who may see it and may run)."""
    document = run_snapshot(db, run_id, actor)
    if upto_seq is None:
        where = "its end"
    else:  # the person chose a message by its number in the conversation, not by the log's event number
        where = f"message {len(message_events(db, run_id, upto_seq))}"
    note = f"Continues run #{run_id} ({get_run(db, run_id).task[:60]!r}) from {where}."
    return start_document_run(db, engine, document, message, actor, continues=(run_id, upto_seq), note=note)
