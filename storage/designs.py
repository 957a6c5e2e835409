"""Designs: create, read, update and delete model configs, tools, agents and teams; resolve a team.

Everything is addressed by name. ``save_*`` creates a new item, or, with ``replacing=<old name>``,
updates that item (and renames it if the spec's name differs; references follow, as they are ids).
Deleting an item still used elsewhere is refused with ``InUseError`` naming each place it is used.

Every function takes the acting person (``actor``; None: the local admin). Items someone may not see
(``storage.access``) answer "not found"; names stay unique across the whole database, so a name taken
by someone else's item is refused without saying more than that it is taken.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlmodel import Session, col, select

from storage.access import check_may_change, may_see, visible
from storage.design_rows import (
    AGENT,
    MODEL,
    TEAM,
    TOOL,
    DesignKind,
    SpecT,
    find,
    names,
    store,
    to_spec,
    users,
)
from storage.documents import AgentSpec, ModelSpec, TeamDocument, TeamSpec, ToolSpec
from storage.errors import Conflict, DocumentError, InUseError, NameConflictError, NotFoundError
from storage.people import Actor, owner_id
from storage.tables import PersonRow
from storage.validation import agent_problems, team_problems

if TYPE_CHECKING:
    from storage.database import Database


def _row(session: Session, kind: DesignKind[Any], name: str, actor: Actor | None = None) -> Any:
    """The row named ``name`` if ``actor`` may see it, else NotFoundError (the same for both)."""
    row = find(session, kind, name)
    if row is None or not may_see(row, actor):
        raise NotFoundError(f'there is no {kind.label} named "{name}"')
    return row


def check_references(
    session: Session, kind: DesignKind[SpecT], spec: SpecT, actor: Actor | None = None
) -> None:
    """Refuse an agent or team whose references do not name saved items ``actor`` may see
    (DocumentError, every problem)."""

    def seen(other: DesignKind[Any]) -> list[str]:
        return names(session, other, visible(other.row, actor))

    if kind is AGENT:
        problems = agent_problems(spec.model_dump(), "", seen(MODEL), seen(TOOL), "saved ")
    elif kind is TEAM:
        problems = team_problems(spec.model_dump(), "", seen(AGENT), seen(MODEL), "saved ")
    else:
        return
    if problems:
        raise DocumentError(f'{kind.label} "{spec.name}"', problems)


def save_in(
    session: Session, kind: DesignKind[SpecT], spec: SpecT, replacing: str | None = None,
    actor: Actor | None = None,
) -> None:
    """``save_*`` inside an open write session (used by imports to save many items in one transaction)."""
    taken = find(session, kind, spec.name)
    row = None if replacing is None else _row(session, kind, replacing, actor)
    check_may_change(row, actor, f'{kind.label} "{replacing}"' if row is not None else f"{kind.label}s")
    if taken is not None and (row is None or taken.id != row.id):
        raise NameConflictError(
            f'a {kind.label} named "{spec.name}" already exists; choose another name',
            [Conflict(kind.label, spec.name)],
        )
    check_references(session, kind, spec, actor)
    store(session, kind, spec, row, owner_id=owner_id(session, actor))


def _list(db: Database, kind: DesignKind[SpecT], actor: Actor | None) -> list[SpecT]:
    with db.read() as session:
        rows = session.exec(select(kind.row).where(visible(kind.row, actor)).order_by(kind.row.name)).all()
        return [to_spec(session, kind, row) for row in rows]


def _get(db: Database, kind: DesignKind[SpecT], name: str, actor: Actor | None) -> SpecT:
    with db.read() as session:
        return to_spec(session, kind, _row(session, kind, name, actor))


def _save(
    db: Database, kind: DesignKind[SpecT], spec: SpecT, replacing: str | None, actor: Actor | None
) -> None:
    with db.write() as session:
        save_in(session, kind, spec, replacing, actor)


def _delete(db: Database, kind: DesignKind[Any], name: str, actor: Actor | None) -> None:
    with db.write() as session:
        row = _row(session, kind, name, actor)
        check_may_change(row, actor, f'{kind.label} "{name}"')
        used_by = users(session, kind, row)
        if used_by:
            raise InUseError(
                f'{kind.label} "{name}" is used by {", ".join(used_by)}; remove it there first', used_by
            )
        session.delete(row)


def list_models(db: Database, actor: Actor | None = None) -> list[ModelSpec]:
    return _list(db, MODEL, actor)


def get_model(db: Database, name: str, actor: Actor | None = None) -> ModelSpec:
    return _get(db, MODEL, name, actor)


def save_model(
    db: Database, spec: ModelSpec, *, replacing: str | None = None, actor: Actor | None = None
) -> None:
    _save(db, MODEL, spec, replacing, actor)


def delete_model(db: Database, name: str, actor: Actor | None = None) -> None:
    _delete(db, MODEL, name, actor)


def list_tools(db: Database, actor: Actor | None = None) -> list[ToolSpec]:
    return _list(db, TOOL, actor)


def get_tool(db: Database, name: str, actor: Actor | None = None) -> ToolSpec:
    return _get(db, TOOL, name, actor)


def save_tool(
    db: Database, spec: ToolSpec, *, replacing: str | None = None, actor: Actor | None = None
) -> None:
    _save(db, TOOL, spec, replacing, actor)


def delete_tool(db: Database, name: str, actor: Actor | None = None) -> None:
    _delete(db, TOOL, name, actor)


def list_agents(db: Database, actor: Actor | None = None) -> list[AgentSpec]:
    return _list(db, AGENT, actor)


def get_agent(db: Database, name: str, actor: Actor | None = None) -> AgentSpec:
    return _get(db, AGENT, name, actor)


def save_agent(
    db: Database, spec: AgentSpec, *, replacing: str | None = None, actor: Actor | None = None
) -> None:
    _save(db, AGENT, spec, replacing, actor)


def delete_agent(db: Database, name: str, actor: Actor | None = None) -> None:
    _delete(db, AGENT, name, actor)


def list_teams(db: Database, actor: Actor | None = None) -> list[TeamSpec]:
    return _list(db, TEAM, actor)


def get_team(db: Database, name: str, actor: Actor | None = None) -> TeamSpec:
    return _get(db, TEAM, name, actor)


def save_team(
    db: Database, spec: TeamSpec, *, replacing: str | None = None, actor: Actor | None = None
) -> None:
    _save(db, TEAM, spec, replacing, actor)


def delete_team(db: Database, name: str, actor: Actor | None = None) -> None:
    _delete(db, TEAM, name, actor)


def resolve_in(session: Session, name: str, actor: Actor | None = None) -> TeamDocument:
    """``resolve_team`` inside an open session."""
    team = to_spec(session, TEAM, _row(session, TEAM, name, actor))
    agents = [to_spec(session, AGENT, _row(session, AGENT, member)) for member in team.members]
    model_names = [agent.model for agent in agents] + [team.manager_model]
    tool_names = [tool for agent in agents for tool in agent.tools]
    models = [to_spec(session, MODEL, _row(session, MODEL, m)) for m in dict.fromkeys(model_names) if m]
    tools = [to_spec(session, TOOL, _row(session, TOOL, t)) for t in dict.fromkeys(tool_names)]
    return TeamDocument(team=team, agents=agents, models=models, tools=tools)


def resolve_team(db: Database, name: str, actor: Actor | None = None) -> TeamDocument:
    """The team (if ``actor`` may see it) with everything it uses (agents in member order, then models
    and tools, whoever owns them: a shared team brings its parts along): no keys."""
    with db.read() as session:
        return resolve_in(session, name, actor)


def set_shared(
    db: Database, kind: DesignKind[Any], name: str, shared: bool, *, share_key: bool = False,
    actor: Actor | None = None,
) -> None:
    """Share a team or model with everyone signed in (or stop); a model's stored key only with
    ``share_key`` ("others may use my key"). Only the owner or an admin may."""
    if not hasattr(kind.row, "shared"):
        raise ValueError(f"a {kind.label} cannot be shared on its own: share the team that uses it")
    with db.write() as session:
        row = _row(session, kind, name, actor)
        check_may_change(row, actor, f'{kind.label} "{name}"')
        row.shared = shared
        if kind is MODEL:
            row.share_key = shared and share_key
        session.add(row)


@dataclass(frozen=True)
class Ownership:
    """Who owns a design item and how it is shared, for the pages to show."""

    owner_id: int
    owner: str  # the owner's email or name
    shared: bool
    share_key: bool


def ownership(db: Database, kind: DesignKind[Any], actor: Actor | None = None) -> dict[str, Ownership]:
    """Owner and sharing of every item of ``kind`` that ``actor`` may see, by name."""
    table = kind.row
    with db.read() as session:
        rows = session.exec(
            select(table, PersonRow.email, PersonRow.name)
            .join(PersonRow, col(PersonRow.id) == col(table.owner_id))
            .where(visible(table, actor))
        ).all()
        return {
            row.name: Ownership(row.owner_id, email or person_name, bool(getattr(row, "shared", False)),
                                bool(getattr(row, "share_key", False)))
            for row, email, person_name in rows
        }
