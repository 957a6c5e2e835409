"""Where a design is used, so a page can say so before a delete is even tried."""

from __future__ import annotations

from storage import Database
from storage.designs import list_agents, list_teams
from storage.people import Actor


def model_users(db: Database, name: str, actor: Actor | None = None) -> list[str]:
    agents = [f"agent \u201c{a.name}\u201d" for a in list_agents(db, actor) if a.model == name]
    teams = [f"team \u201c{t.name}\u201d" for t in list_teams(db, actor) if t.manager_model == name]
    return agents + teams


def tool_users(db: Database, name: str, actor: Actor | None = None) -> list[str]:
    return [f"agent \u201c{a.name}\u201d" for a in list_agents(db, actor) if name in a.tools]


def agent_users(db: Database, name: str, actor: Actor | None = None) -> list[str]:
    return [f"team \u201c{t.name}\u201d" for t in list_teams(db, actor) if name in t.members]
