"""Translate between design documents (names) and design rows (ids), inside one session.

Used by ``storage.designs`` (one item at a time) and ``storage.transfer`` (a whole team in one
transaction). References are resolved by name here; checking that they exist is the callers' job.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import delete
from sqlmodel import Session, SQLModel, col, select

from storage.documents import AgentSpec, ModelSpec, TeamSpec, ToolSpec
from storage.endpoints import endpoint_of
from storage.tables import AgentRow, AgentToolRow, ModelRow, TeamMemberRow, TeamRow, ToolRow
from storage.tables.base import now

SpecT = TypeVar("SpecT", ModelSpec, ToolSpec, AgentSpec, TeamSpec)


@dataclass(frozen=True)
class DesignKind(Generic[SpecT]):
    """One kind of design: its label, its row table and its document class."""

    label: str
    row: type[Any]
    spec: type[SpecT]


MODEL = DesignKind("model", ModelRow, ModelSpec)
TOOL = DesignKind("tool", ToolRow, ToolSpec)
AGENT = DesignKind("agent", AgentRow, AgentSpec)
TEAM = DesignKind("team", TeamRow, TeamSpec)


def find(session: Session, kind: DesignKind[Any], name: str) -> Any:
    """The row named ``name``, or None."""
    return session.exec(select(kind.row).where(kind.row.name == name)).first()


def names(session: Session, kind: DesignKind[Any], where: Any = None) -> list[str]:
    query = select(kind.row.name).order_by(kind.row.name)
    return list(session.exec(query if where is None else query.where(where)).all())


def _name_of(session: Session, table: type[SQLModel], row_id: int | None) -> str | None:
    return None if row_id is None else session.get(table, row_id).name  # type: ignore[union-attr]


def _id_of(session: Session, kind: DesignKind[Any], name: str | None) -> int | None:
    return None if name is None else find(session, kind, name).id


def to_spec(session: Session, kind: DesignKind[SpecT], row: Any) -> SpecT:
    """The document for a stored row."""
    if kind is MODEL or kind is TOOL:
        return kind.spec.model_validate(row, from_attributes=True)
    if kind is AGENT:
        links = session.exec(
            select(ToolRow.name, AgentToolRow.only)
            .join(AgentToolRow, col(AgentToolRow.tool_id) == col(ToolRow.id))
            .where(AgentToolRow.agent_id == row.id)
            .order_by(AgentToolRow.position)
        ).all()
        fields = {
            name: getattr(row, name) for name in AgentSpec.model_fields if name not in _REFERENCES["agent"]
        }
        return AgentSpec(
            **fields, model=_name_of(session, ModelRow, row.model_id), tools=[name for name, _ in links],
            mcp_tools={name: list(only) for name, only in links if only is not None},
        )
    members = session.exec(
        select(AgentRow.id, AgentRow.name)
        .join(TeamMemberRow, col(TeamMemberRow.agent_id) == col(AgentRow.id))
        .where(TeamMemberRow.team_id == row.id)
        .order_by(TeamMemberRow.position)
    ).all()
    by_id = dict(members)
    transitions = None
    if row.transitions is not None:
        edges = {by_id[source]: [by_id[t] for t in targets] for source, targets in row.transitions["edges"]}
        transitions = {"type": row.transitions["type"], "edges": edges}
    fields = {
        name: getattr(row, name)
        for name in TeamSpec.model_fields
        if name not in ("members", "initiator", "transitions", "manager_model")
    }
    return TeamSpec(  # type: ignore[return-value]
        **fields,
        members=[name for _, name in members],
        initiator=by_id[row.initiator_id],
        transitions=transitions,
        manager_model=_name_of(session, ModelRow, row.manager_model_id),
    )


_REFERENCES = {"agent": {"model", "tools", "mcp_tools"}, "team": {"members", "initiator", "transitions", "manager_model"}}


def store(
    session: Session, kind: DesignKind[SpecT], spec: SpecT, row: Any | None = None, owner_id: int | None = None
) -> Any:
    """Write ``spec`` into ``row`` (a new row owned by ``owner_id`` if None); references must exist.
    Returns the row.

    A model's stored API key is not part of the spec and is kept as it was, unless the update sends the
    model to another endpoint (provider or ``api_base``): then the key is dropped (``storage.secrets``).
    """
    is_new = row is None
    row = kind.row(owner_id=owner_id) if row is None else row
    if isinstance(spec, ModelSpec) and not is_new and row.api_key and endpoint_of(row) != endpoint_of(spec):
        row.api_key = None  # the key was entered for the old server; it must be typed again for the new one
    for name, value in spec.model_dump(mode="json", exclude=_REFERENCES.get(kind.label)).items():
        setattr(row, name, value)
    if isinstance(spec, AgentSpec):
        row.model_id = _id_of(session, MODEL, spec.model)
    elif isinstance(spec, TeamSpec):
        _store_team_refs(session, row, spec)
    row.updated_at = now()
    session.add(row)
    session.flush()
    if isinstance(spec, AgentSpec):
        tools = [
            {"tool_id": _id_of(session, TOOL, name), "position": i, "only": spec.mcp_tools.get(name)}
            for i, name in enumerate(spec.tools)
        ]
        _replace_links(session, AgentToolRow, "agent_id", row.id, tools, is_new)
    elif isinstance(spec, TeamSpec):
        members = [
            {"agent_id": _id_of(session, AGENT, name), "position": i} for i, name in enumerate(spec.members)
        ]
        _replace_links(session, TeamMemberRow, "team_id", row.id, members, is_new)
    return row


def _store_team_refs(session: Session, row: TeamRow, spec: TeamSpec) -> None:
    row.initiator_id = _id_of(session, AGENT, spec.initiator)  # type: ignore[assignment]
    row.manager_model_id = _id_of(session, MODEL, spec.manager_model)
    row.transitions = (
        None
        if spec.transitions is None
        else {
            "type": spec.transitions.type,
            "edges": [
                [_id_of(session, AGENT, source), [_id_of(session, AGENT, target) for target in targets]]
                for source, targets in spec.transitions.edges.items()
            ],
        }
    )


def _replace_links(
    session: Session,
    table: type[SQLModel],
    owner: str,
    owner_id: int,
    links: list[dict[str, Any]],
    is_new: bool,
) -> None:
    if not is_new:
        session.exec(delete(table).where(getattr(table, owner) == owner_id))  # type: ignore[call-overload]
    for link in links:
        session.add(table(**{owner: owner_id}, **link))
    session.flush()


def users(session: Session, kind: DesignKind[Any], row: Any) -> list[str]:
    """Where a stored item is used, e.g. ``['agent "a"', 'team "t" (manager model)']``."""
    if kind is MODEL:
        agents = session.exec(
            select(AgentRow.name).where(AgentRow.model_id == row.id).order_by(AgentRow.name)
        ).all()
        teams = session.exec(
            select(TeamRow.name).where(TeamRow.manager_model_id == row.id).order_by(TeamRow.name)
        ).all()
        return [f'agent "{name}"' for name in agents] + [f'team "{name}" (manager model)' for name in teams]
    if kind is TOOL:
        link = col(AgentToolRow.agent_id) == col(AgentRow.id)
        agents = session.exec(
            select(AgentRow.name)
            .join(AgentToolRow, link)
            .where(AgentToolRow.tool_id == row.id)
            .order_by(AgentRow.name)
        ).all()
        return [f'agent "{name}"' for name in agents]
    if kind is AGENT:
        link = col(TeamMemberRow.team_id) == col(TeamRow.id)
        teams = session.exec(
            select(TeamRow.name)
            .join(TeamMemberRow, link)
            .where(TeamMemberRow.agent_id == row.id)
            .order_by(TeamRow.name)
        ).all()
        return [f'team "{name}"' for name in teams]
    return []
