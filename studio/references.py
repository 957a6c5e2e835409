"""Where a design is used, so a page can say so before a delete is even tried."""

from __future__ import annotations

from storage import Database
from storage.designs import list_agents, list_teams


def model_users(db: Database, name: str) -> list[str]:
    agents = [f"agent \u201c{a.name}\u201d" for a in list_agents(db) if a.model == name]
    teams = [f"team \u201c{t.name}\u201d" for t in list_teams(db) if t.manager_model == name]
    return agents + teams


def tool_users(db: Database, name: str) -> list[str]:
    return [f"agent \u201c{a.name}\u201d" for a in list_agents(db) if name in a.tools]


def agent_users(db: Database, name: str) -> list[str]:
    return [f"team \u201c{t.name}\u201d" for t in list_teams(db) if name in t.members]
