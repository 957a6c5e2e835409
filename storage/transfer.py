"""Move teams and runs between machines as JSON documents.

Team import matches items by name: an identical item is reused, a different one with the same name is
a conflict that the caller resolves with ``on_conflict="overwrite"`` (update the stored item) or
``"copy"`` (store the import under a free name and point the imported team at it). Each import is one
transaction: on any error nothing is stored. Run import is idempotent by the run's ``uid``.
Imported items belong to the person importing (``actor``); a name taken by an item they may not see
is never reused or overwritten: the import is stored as a copy under a free name.
Parse files first with ``storage.validation.load_team_json`` / ``load_run_json``.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from sqlalchemy import insert
from sqlmodel import Session, select

from components.events import event_from_dict, event_to_dict, event_to_json
from storage.access import check_may_change, may_see
from storage.design_rows import AGENT, MODEL, TEAM, TOOL, DesignKind, find, to_spec
from storage.designs import resolve_team, save_in
from storage.documents import ACTIVE_STATUSES, EventRecord, RunDocument, RunMeta, TeamDocument
from storage.endpoints import describe_endpoint, endpoint_of
from storage.errors import Conflict, DocumentError, NameConflictError
from storage.eventlog import events_after
from storage.people import Actor, owner_id
from storage.runs import get_run, run_snapshot
from storage.tables import EventRow, RunRow, RunSnapshotRow, RunUsageRow
from storage.validation import check_run_document, check_team_document

if TYPE_CHECKING:
    from storage.database import Database

OnConflict = Literal["overwrite", "copy"]


@dataclass
class ImportReport:
    """What a team import did, item by item (e.g. ``'agent "coder"'``)."""

    team: str
    created: list[str] = field(default_factory=list)
    reused: list[str] = field(default_factory=list)
    overwritten: list[str] = field(default_factory=list)
    copied: list[str] = field(default_factory=list)
    keys_dropped: list[str] = field(default_factory=list)  # sentences: a model moved to another server


@dataclass(frozen=True)
class RunImport:
    run_id: int
    created: bool  # False: a run with this uid was already here


def _items(document: TeamDocument) -> list[tuple[DesignKind[Any], Any]]:
    """Items in dependency order: what is referenced comes before what refers to it."""
    return (
        [(MODEL, m) for m in document.models]
        + [(TOOL, t) for t in document.tools]
        + [(AGENT, a) for a in document.agents]
        + [(TEAM, document.team)]
    )


def _conflicts(session: Session, document: TeamDocument, actor: Actor | None = None) -> list[Conflict]:
    conflicts = []
    for kind, spec in _items(document):
        row = find(session, kind, spec.name)
        if row is not None and may_see(row, actor) and to_spec(session, kind, row) != spec:
            conflicts.append(Conflict(kind.label, spec.name))
    return conflicts


def endpoint_changes(db: Database, document: TeamDocument, actor: Actor | None = None) -> list[str]:
    """Sentences for the models an overwrite would move to another server (their stored key would go)."""
    changes = []
    with db.read() as session:
        for model in document.models:
            row = find(session, MODEL, model.name)
            if row is not None and may_see(row, actor) and endpoint_of(row) != endpoint_of(model):
                kept = "; its stored key would be removed" if row.api_key else ""
                changes.append(
                    f'model "{model.name}" would point at {describe_endpoint(model)} instead of '
                    f"{describe_endpoint(row)}{kept}"
                )
    return changes


def team_conflicts(db: Database, document: TeamDocument, actor: Actor | None = None) -> list[Conflict]:
    """Items of ``document`` whose names are taken by different stored items (to ask the user)."""
    with db.read() as session:
        return _conflicts(session, document, actor)


def _copy_name(session: Session, kind: DesignKind[Any], spec: Any, actor: Actor | None) -> tuple[str, bool]:
    """A name for a copy of ``spec``: an earlier identical copy's (True) or the first free one (False)."""
    number = 2
    while True:
        candidate = f"{spec.name}_{number}" if kind in (AGENT, TOOL) else f"{spec.name} ({number})"
        row = find(session, kind, candidate)
        if row is None:
            return candidate, False
        if may_see(row, actor) and to_spec(session, kind, row) == _as_copy(kind, spec, candidate):
            return candidate, True
        number += 1


def _as_copy(kind: DesignKind[Any], spec: Any, name: str) -> Any:
    """``spec`` stored as ``name``; an agent keeps speaking under its original name (``display_name``)."""
    if kind is AGENT:
        return spec.model_copy(update={"name": name, "display_name": spec.display_name or spec.name})
    return spec.model_copy(update={"name": name})


def _renamed(kind: DesignKind[Any], spec: Any, renames: dict[str, dict[str, str]]) -> Any:
    """``spec`` with its references to copied items pointing at the copies."""
    models, tools, agents = renames["model"], renames["tool"], renames["agent"]
    if kind is AGENT:
        return spec.model_copy(
            update={
                "model": models.get(spec.model, spec.model),
                "tools": [tools.get(t, t) for t in spec.tools],
            }
        )
    if kind is TEAM:
        transitions = spec.transitions and spec.transitions.model_copy(
            update={
                "edges": {
                    agents.get(s, s): [agents.get(t, t) for t in targets]
                    for s, targets in spec.transitions.edges.items()
                }
            }
        )
        return spec.model_copy(
            update={
                "members": [agents.get(m, m) for m in spec.members],
                "initiator": agents.get(spec.initiator, spec.initiator),
                "manager_model": models.get(spec.manager_model, spec.manager_model),
                "transitions": transitions,
            }
        )
    return spec


def _import_item(
    session: Session,
    kind: DesignKind[Any],
    spec: Any,
    on_conflict: OnConflict | None,
    renames: dict[str, dict[str, str]],
    report: ImportReport,
    actor: Actor | None,
) -> str:
    """Store one item; returns the name it is stored under."""
    label = f'{kind.label} "{spec.name}"'
    row = find(session, kind, spec.name)
    foreign = row is not None and not may_see(row, actor)  # someone else's: neither reused nor overwritten
    if row is None:
        save_in(session, kind, spec, actor=actor)
        report.created.append(label)
    elif not foreign and to_spec(session, kind, row) == spec:
        report.reused.append(label)
    elif on_conflict == "overwrite" and not foreign:
        had_key = kind is MODEL and bool(row.api_key)
        before = describe_endpoint(row) if kind is MODEL else ""
        save_in(session, kind, spec, replacing=spec.name, actor=actor)
        report.overwritten.append(label)
        if had_key and not row.api_key:
            report.keys_dropped.append(
                f"{label} now points at {describe_endpoint(spec)} instead of {before}, so its stored key "
                "was removed: enter the key again for that server on the Models page"
            )
    elif kind is TOOL:  # a copy would need another name, but a tool is named after its function
        raise NameConflictError(
            f'a tool named "{spec.name}" already exists'
            + (" (someone else's)" if foreign else " with different content")
            + ": a tool is named after its function, so rename the function in the file and import it again",
            [Conflict(kind.label, spec.name)],
        )
    else:
        new_name, copied_before = _copy_name(session, kind, spec, actor)
        renames[kind.label][spec.name] = new_name
        if copied_before:
            report.reused.append(f'{kind.label} "{new_name}"')
        else:
            save_in(session, kind, _as_copy(kind, spec, new_name), actor=actor)
            report.copied.append(f'{label} as "{new_name}"')
        return new_name
    return spec.name


def import_team(
    db: Database,
    document: TeamDocument,
    on_conflict: OnConflict | None = None,
    source: str = "team document",
    actor: Actor | None = None,
) -> ImportReport:
    """Store a team with its agents, models and tools in one transaction.

    Without ``on_conflict``, any conflict raises NameConflictError listing all of them (nothing stored).
    """
    _, problems = check_team_document(document.model_dump(mode="json"))
    if problems:
        raise DocumentError(source, problems)
    report = ImportReport(team=document.team.name)
    with db.write() as session:
        conflicts = _conflicts(session, document, actor)
        if conflicts and on_conflict is None:
            raise NameConflictError(
                f"{source}: {', '.join(map(str, conflicts))} already "
                f"{'exists' if len(conflicts) == 1 else 'exist'} with different content; "
                "choose overwrite or copy",
                conflicts,
            )
        renames: dict[str, dict[str, str]] = {"model": {}, "tool": {}, "agent": {}, "team": {}}
        for kind, spec in _items(document):
            name = _import_item(session, kind, _renamed(kind, spec, renames), on_conflict, renames, report, actor)
            if kind is TEAM:
                report.team = name
    return report


def export_team(db: Database, name: str, actor: Actor | None = None) -> TeamDocument:
    """The team as a portable document (no keys); write it with ``validation.dump_document``."""
    return resolve_team(db, name, actor)


def export_run(db: Database, run_id: int, actor: Actor | None = None) -> RunDocument:
    """A run with its snapshot and every stored event, for replay elsewhere."""
    info = get_run(db, run_id, actor)
    events = [
        EventRecord(
            seq=e.seq,
            kind=e.kind,
            sender=e.sender,
            recipient=e.recipient,
            ts=e.ts,
            payload=event_to_dict(e.event),
        )
        for e in events_after(db, run_id)
    ]
    meta = info.model_dump(include=set(RunMeta.model_fields))
    return RunDocument(run=meta, snapshot=run_snapshot(db, run_id), events=events)


def import_run(
    db: Database, document: RunDocument, source: str = "run document", actor: Actor | None = None
) -> RunImport:
    """Store an exported run (a run that was active when exported arrives as "interrupted"), owned by
    ``actor``. A run someone else already imported is imported again under a new uid, for this actor."""
    check_may_change(None, actor, "runs")
    _, problems = check_run_document(document.model_dump(mode="json"))
    if problems:
        raise DocumentError(source, problems)
    meta = document.run
    with db.write() as session:
        existing = session.exec(select(RunRow).where(RunRow.uid == meta.uid)).first()
        if existing is not None and may_see(existing, actor):
            assert existing.id is not None
            return RunImport(existing.id, created=False)
        row = RunRow(
            owner_id=owner_id(session, actor),
            uid=meta.uid if existing is None else uuid.uuid4().hex,
            team_name=meta.team,
            task=meta.task,
            status="interrupted" if meta.status in ACTIVE_STATUSES else meta.status,
            created_at=meta.created_at,
            started_at=meta.started_at,
            finished_at=meta.finished_at,
            error=meta.error,
        )
        session.add(row)
        session.flush()
        session.add(RunSnapshotRow(run_id=row.id, snapshot=document.snapshot.model_dump(mode="json")))
        for usage in meta.usage:
            session.add(RunUsageRow(run_id=row.id, **usage.model_dump()))
        if document.events:
            session.connection().execute(
                insert(EventRow.__table__),
                [
                    {
                        "run_id": row.id,
                        "seq": r.seq,
                        "kind": r.kind,
                        "sender": r.sender,
                        "recipient": r.recipient,
                        "ts": r.ts,
                        "payload": event_to_json(event_from_dict(r.payload)),
                    }
                    for r in document.events
                ],
            )
        assert row.id is not None
        return RunImport(row.id, created=True)
