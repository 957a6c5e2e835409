"""CRUD of designs, renames, in-use refusal and team resolution (SQLite and PostgreSQL)."""

from __future__ import annotations

import pytest
from sqlalchemy import exc, text

from storage import Database, DocumentError, InUseError, NameConflictError, NotFoundError
from storage.designs import (
    delete_agent,
    delete_model,
    delete_team,
    delete_tool,
    get_agent,
    get_model,
    get_team,
    get_tool,
    list_agents,
    list_models,
    list_teams,
    list_tools,
    resolve_team,
    save_agent,
    save_model,
    save_team,
)
from storage.documents import AgentSpec, ModelSpec, TeamSpec, TeamTerminationSpec
from storage.settings import get_setting, set_setting
from tests.storage.helpers import sample_document, store_document


def test_saved_designs_read_back_equal(db: Database) -> None:
    document = sample_document()
    store_document(db, document)
    assert list_models(db) == sorted(document.models, key=lambda m: m.name)
    assert list_tools(db) == document.tools
    assert sorted(a.name for a in list_agents(db)) == ["coder", "critic", "user"]
    for agent in document.agents:
        assert get_agent(db, agent.name) == agent
    assert get_team(db, "Research") == document.team
    assert get_tool(db, "add") == document.tools[0]
    assert [t.name for t in list_teams(db)] == ["Research"]


def test_team_termination_rules_are_stored_changed_and_cleared(db: Database) -> None:
    document = sample_document()
    store_document(db, document)
    team = get_team(db, "Research")
    assert team.termination is None
    rules = TeamTerminationSpec(text_mention='"APPROVED"', max_messages=6)
    save_team(db, team.model_copy(update={"termination": rules}), replacing="Research")
    assert get_team(db, "Research").termination == rules
    assert resolve_team(db, "Research").team.termination == rules
    phrase_only = TeamTerminationSpec(text_mention="DONE")
    save_team(db, team.model_copy(update={"termination": phrase_only}), replacing="Research")
    assert get_team(db, "Research").termination == phrase_only
    save_team(db, team, replacing="Research")
    assert get_team(db, "Research").termination is None


def test_resolve_team_gathers_what_the_team_uses(db: Database) -> None:
    document = sample_document()
    store_document(db, document)
    save_model(db, ModelSpec(name="unused", model="gpt-4o"))
    resolved = resolve_team(db, "Research")
    assert resolved == document
    assert [m.name for m in resolved.models] == ["gpt", "judge"]


def test_update_and_rename_keep_references(db: Database) -> None:
    store_document(db, sample_document())
    save_model(db, ModelSpec(name="gpt-mini", model="gpt-4o-mini", temperature=0.9), replacing="gpt")
    coder = get_agent(db, "coder")
    save_agent(db, coder.model_copy(update={"name": "programmer"}), replacing="coder")
    team = get_team(db, "Research")
    assert team.members == ["user", "programmer", "critic"]
    assert team.transitions is not None
    assert team.transitions.edges == {"user": ["programmer"], "programmer": ["critic", "user"], "critic": []}
    assert get_agent(db, "programmer").model == "gpt-mini"
    assert get_model(db, "gpt-mini").temperature == 0.9
    with pytest.raises(NotFoundError, match='there is no agent named "coder"'):
        get_agent(db, "coder")


def test_saving_a_taken_name_is_refused(db: Database) -> None:
    store_document(db, sample_document())
    with pytest.raises(NameConflictError, match='a model named "gpt" already exists; choose another name'):
        save_model(db, ModelSpec(name="gpt", model="other"))
    with pytest.raises(NameConflictError, match='an? agent named "critic" already exists'):
        save_agent(db, get_agent(db, "coder").model_copy(update={"name": "critic"}), replacing="coder")
    with pytest.raises(NotFoundError, match='there is no team named "Nope"'):
        save_team(db, get_team(db, "Research"), replacing="Nope")


def test_saving_with_unknown_references_lists_every_problem(db: Database) -> None:
    store_document(db, sample_document())
    with pytest.raises(DocumentError) as caught:
        save_agent(db, AgentSpec(name="writer", model="gpt5", tools=["add", "search"]))
    assert str(caught.value) == (
        'agent "writer" is not valid (2 problems):\n'
        '  - model: unknown model "gpt5" (saved models defined: "gpt", "judge")\n'
        '  - tools[1]: unknown tool "search" (saved tools defined: "add")'
    )
    with pytest.raises(DocumentError) as caught:
        save_team(db, TeamSpec(name="Pair", kind="two_agent", members=["user", "ghost"], initiator="coder"))
    assert [str(p) for p in caught.value.problems] == [
        'members[1]: agent "ghost" is not in saved agents',
        'initiator: "coder" is not a member (members: "user", "ghost")',
    ]
    assert [t.name for t in list_teams(db)] == ["Research"]


def test_deleting_something_in_use_says_where(db: Database) -> None:
    store_document(db, sample_document())
    with pytest.raises(InUseError) as caught:
        delete_model(db, "gpt")
    assert str(caught.value) == 'model "gpt" is used by agent "coder", agent "critic"; remove it there first'
    with pytest.raises(InUseError, match=r'model "judge" is used by team "Research" \(manager model\)'):
        delete_model(db, "judge")
    with pytest.raises(InUseError, match='tool "add" is used by agent "coder"'):
        delete_tool(db, "add")
    with pytest.raises(InUseError) as caught:
        delete_agent(db, "user")
    assert caught.value.users == ['team "Research"']
    assert len(list_models(db)) == 2 and len(list_agents(db)) == 3


def test_deleting_in_dependency_order_works(db: Database) -> None:
    store_document(db, sample_document())
    delete_team(db, "Research")
    for agent in ("user", "coder", "critic"):
        delete_agent(db, agent)
    delete_tool(db, "add")
    delete_model(db, "gpt")
    delete_model(db, "judge")
    assert list_models(db) == list_tools(db) == list_agents(db) == list_teams(db) == []
    with pytest.raises(NotFoundError):
        delete_team(db, "Research")


def test_the_database_itself_refuses_deleting_a_used_model(db: Database) -> None:
    """Foreign keys are on (SQLite too): even a raw DELETE cannot orphan an agent."""
    store_document(db, sample_document())
    with pytest.raises(exc.IntegrityError), db.engine.begin() as connection:
        connection.execute(text("DELETE FROM models WHERE name = 'gpt'"))


def test_settings_hold_json_values(db: Database) -> None:
    assert get_setting(db, "theme", "light") == "light"
    set_setting(db, "theme", "dark")
    set_setting(db, "recent", {"teams": ["Research"], "count": 2})
    set_setting(db, "theme", "solarized")
    assert get_setting(db, "theme") == "solarized"
    assert get_setting(db, "recent") == {"teams": ["Research"], "count": 2}
