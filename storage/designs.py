"""Designs: create, read, update and delete model configs, tools, agents and teams; resolve a team.

Everything is addressed by name. ``save_*`` creates a new item, or, with ``replacing=<old name>``,
updates that item (and renames it if the spec's name differs; references follow, as they are ids).
Deleting an item still used elsewhere is refused with ``InUseError`` naming each place it is used.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlmodel import Session, select

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
from storage.validation import agent_problems, team_problems

if TYPE_CHECKING:
    from storage.database import Database


def _row(session: Session, kind: DesignKind[Any], name: str) -> Any:
    row = find(session, kind, name)
    if row is None:
        raise NotFoundError(f'there is no {kind.label} named "{name}"')
    return row


def check_references(session: Session, kind: DesignKind[SpecT], spec: SpecT) -> None:
    """Refuse an agent or team whose references do not name saved items (DocumentError, every problem)."""
    if kind is AGENT:
        problems = agent_problems(
            spec.model_dump(), "", names(session, MODEL), names(session, TOOL), "saved "
        )
    elif kind is TEAM:
        problems = team_problems(
            spec.model_dump(), "", names(session, AGENT), names(session, MODEL), "saved "
        )
    else:
        return
    if problems:
        raise DocumentError(f'{kind.label} "{spec.name}"', problems)


def save_in(session: Session, kind: DesignKind[SpecT], spec: SpecT, replacing: str | None = None) -> None:
    """``save_*`` inside an open write session (used by imports to save many items in one transaction)."""
    taken = find(session, kind, spec.name)
    row = None if replacing is None else _row(session, kind, replacing)
    if taken is not None and (row is None or taken.id != row.id):
        raise NameConflictError(
            f'a {kind.label} named "{spec.name}" already exists; choose another name',
            [Conflict(kind.label, spec.name)],
        )
    check_references(session, kind, spec)
    store(session, kind, spec, row)


def _list(db: Database, kind: DesignKind[SpecT]) -> list[SpecT]:
    with db.read() as session:
        rows = session.exec(select(kind.row).order_by(kind.row.name)).all()
        return [to_spec(session, kind, row) for row in rows]


def _get(db: Database, kind: DesignKind[SpecT], name: str) -> SpecT:
    with db.read() as session:
        return to_spec(session, kind, _row(session, kind, name))


def _save(db: Database, kind: DesignKind[SpecT], spec: SpecT, replacing: str | None) -> None:
    with db.write() as session:
        save_in(session, kind, spec, replacing)


def _delete(db: Database, kind: DesignKind[Any], name: str) -> None:
    with db.write() as session:
        row = _row(session, kind, name)
        used_by = users(session, kind, row)
        if used_by:
            raise InUseError(
                f'{kind.label} "{name}" is used by {", ".join(used_by)}; remove it there first', used_by
            )
        session.delete(row)


def list_models(db: Database) -> list[ModelSpec]:
    return _list(db, MODEL)


def get_model(db: Database, name: str) -> ModelSpec:
    return _get(db, MODEL, name)


def save_model(db: Database, spec: ModelSpec, *, replacing: str | None = None) -> None:
    _save(db, MODEL, spec, replacing)


def delete_model(db: Database, name: str) -> None:
    _delete(db, MODEL, name)


def list_tools(db: Database) -> list[ToolSpec]:
    return _list(db, TOOL)


def get_tool(db: Database, name: str) -> ToolSpec:
    return _get(db, TOOL, name)


def save_tool(db: Database, spec: ToolSpec, *, replacing: str | None = None) -> None:
    _save(db, TOOL, spec, replacing)


def delete_tool(db: Database, name: str) -> None:
    _delete(db, TOOL, name)


def list_agents(db: Database) -> list[AgentSpec]:
    return _list(db, AGENT)


def get_agent(db: Database, name: str) -> AgentSpec:
    return _get(db, AGENT, name)


def save_agent(db: Database, spec: AgentSpec, *, replacing: str | None = None) -> None:
    _save(db, AGENT, spec, replacing)


def delete_agent(db: Database, name: str) -> None:
    _delete(db, AGENT, name)


def list_teams(db: Database) -> list[TeamSpec]:
    return _list(db, TEAM)


def get_team(db: Database, name: str) -> TeamSpec:
    return _get(db, TEAM, name)


def save_team(db: Database, spec: TeamSpec, *, replacing: str | None = None) -> None:
    _save(db, TEAM, spec, replacing)


def delete_team(db: Database, name: str) -> None:
    _delete(db, TEAM, name)


def resolve_in(session: Session, name: str) -> TeamDocument:
    """``resolve_team`` inside an open session."""
    team = to_spec(session, TEAM, _row(session, TEAM, name))
    agents = [to_spec(session, AGENT, _row(session, AGENT, member)) for member in team.members]
    model_names = [agent.model for agent in agents] + [team.manager_model]
    tool_names = [tool for agent in agents for tool in agent.tools]
    models = [to_spec(session, MODEL, _row(session, MODEL, m)) for m in dict.fromkeys(model_names) if m]
    tools = [to_spec(session, TOOL, _row(session, TOOL, t)) for t in dict.fromkeys(tool_names)]
    return TeamDocument(team=team, agents=agents, models=models, tools=tools)


def resolve_team(db: Database, name: str) -> TeamDocument:
    """The team with everything it uses (agents in member order, then models and tools): no keys."""
    with db.read() as session:
        return resolve_in(session, name)
