"""People and ownership: each person sees their own designs and runs and what is shared; keys stay with
their owner; an old database becomes the local admin's. On SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from storage import Database, NotFoundError, open_database
from storage.design_rows import MODEL, TEAM
from storage.designs import (
    get_model,
    get_team,
    list_agents,
    list_models,
    list_teams,
    list_tools,
    ownership,
    resolve_team,
    save_model,
    save_team,
    set_shared,
)
from storage.errors import AccessError, KeyNotSharedError, NameConflictError
from storage.people import (
    LOCAL_ADMIN_SUBJECT,
    Actor,
    list_people,
    local_admin,
    person_by_email,
    set_role,
    sign_in,
)
from storage.runs import create_run, delete_run, get_run, list_runs, run_snapshot, set_run_shared
from storage.secrets import key_source, resolve_api_key, store_api_key
from storage.transfer import export_run, import_run, import_team
from tests.storage.helpers import sample_document
from tests.storage.test_migrations import database_at, fill_first_revision


def people(db: Database) -> tuple[Actor, Actor]:
    ada = sign_in(db, "https://idp|ada", "Ada@Example.org", "Ada")
    bob = sign_in(db, "https://idp|bob", "bob@example.org", "Bob")
    return ada, bob


def test_the_first_person_to_sign_in_is_admin_and_configured_admins_too(db: Database) -> None:
    ada, bob = people(db)
    assert (ada.role, bob.role, ada.email) == ("admin", "editor", "ada@example.org")
    cy = sign_in(db, "https://idp|cy", "cy@example.org", "Cy", admins=frozenset({"cy@example.org"}))
    assert cy.role == "admin"
    again = sign_in(db, "https://idp|bob", "bob@example.org", "Robert")
    assert (again.person_id, again.name, again.role) == (bob.person_id, "Robert", "editor")
    assert [p.actor.email for p in list_people(db, ada)] == ["ada@example.org", "bob@example.org", "cy@example.org"]
    assert person_by_email(db, "BOB@example.org").person_id == bob.person_id
    with pytest.raises(NotFoundError, match="has signed in"):
        person_by_email(db, "nobody@example.org")


def test_only_admins_change_roles_and_the_last_admin_stays(db: Database) -> None:
    ada, bob = people(db)
    with pytest.raises(AccessError, match="only an admin"):
        set_role(db, bob, ada.person_id, "viewer")
    with pytest.raises(AccessError, match="only admin"):
        set_role(db, ada, ada.person_id, "editor")
    set_role(db, ada, bob.person_id, "viewer")
    assert sign_in(db, "https://idp|bob", "bob@example.org", "Bob").role == "viewer"


def test_designs_of_one_person_are_invisible_to_another(db: Database) -> None:
    ada, bob = people(db)
    import_team(db, sample_document(), actor=ada)
    assert list_models(db, bob) == [] and list_agents(db, bob) == [] and list_tools(db, bob) == []
    assert list_teams(db, bob) == []
    for lookup in (lambda: get_team(db, "Research", bob), lambda: resolve_team(db, "Research", bob),
                   lambda: get_model(db, "gpt", bob)):
        with pytest.raises(NotFoundError, match="there is no"):
            lookup()
    assert [t.name for t in list_teams(db, ada)] == ["Research"]
    admin = sign_in(db, "https://idp|cy", "cy@example.org", "Cy", admins=frozenset({"cy@example.org"}))
    assert [t.name for t in list_teams(db, admin)] == ["Research"]
    # Bob cannot point his own designs at Ada's parts, nor change or delete them
    team = get_team(db, "Research", ada).model_copy(update={"name": "Mine"})
    with pytest.raises(Exception, match="saved agent|saved model"):
        save_team(db, team, actor=bob)
    with pytest.raises(NotFoundError):
        save_model(db, get_model(db, "gpt", ada), replacing="gpt", actor=bob)
    with pytest.raises(NameConflictError, match="already exists"):
        save_model(db, get_model(db, "gpt", ada), actor=bob)


def test_a_shared_team_is_seen_and_resolved_by_others_but_changed_only_by_its_owner(db: Database) -> None:
    ada, bob = people(db)
    import_team(db, sample_document(), actor=ada)
    set_shared(db, TEAM, "Research", True, actor=ada)
    assert [t.name for t in list_teams(db, bob)] == ["Research"]
    assert [a.name for a in resolve_team(db, "Research", bob).agents] == ["user", "coder", "critic"]
    assert list_agents(db, bob) == []  # the team is shared, not its parts
    assert ownership(db, TEAM, bob)["Research"].owner == "ada@example.org"
    with pytest.raises(AccessError, match="belongs to someone else"):
        save_team(db, get_team(db, "Research", bob), replacing="Research", actor=bob)
    with pytest.raises(AccessError, match="belongs to someone else"):
        set_shared(db, TEAM, "Research", False, actor=bob)


def test_viewers_change_nothing_and_start_no_run(db: Database) -> None:
    ada, bob = people(db)
    set_role(db, ada, bob.person_id, "viewer")
    viewer = sign_in(db, "https://idp|bob", "bob@example.org", "Bob")
    with pytest.raises(AccessError, match="viewers cannot"):
        import_team(db, sample_document(), actor=viewer)
    import_team(db, sample_document(), actor=ada)
    set_shared(db, TEAM, "Research", True, actor=ada)
    with pytest.raises(AccessError, match="viewers cannot start runs"):
        create_run(db, resolve_team(db, "Research", viewer), "hello", owner=viewer)
    assert list_runs(db) == []


def test_runs_are_their_owners_unless_shared(db: Database) -> None:
    ada, bob = people(db)
    import_team(db, sample_document(), actor=ada)
    run_id = create_run(db, resolve_team(db, "Research", ada), "secret task", owner=ada)
    assert [r.id for r in list_runs(db, actor=ada)] == [run_id]
    assert list_runs(db, actor=bob) == []
    for lookup in (lambda: get_run(db, run_id, bob), lambda: run_snapshot(db, run_id, bob),
                   lambda: export_run(db, run_id, bob), lambda: delete_run(db, run_id, bob),
                   lambda: set_run_shared(db, run_id, True, bob)):
        with pytest.raises(NotFoundError, match=f"there is no run {run_id}"):
            lookup()
    set_run_shared(db, run_id, True, ada)
    assert get_run(db, run_id, bob).shared and get_run(db, run_id, bob).owner_id == ada.person_id
    assert run_snapshot(db, run_id, bob).team.name == "Research"
    with pytest.raises(AccessError, match="belongs to someone else"):
        delete_run(db, run_id, bob)
    # importing Ada's exported run gives Bob his own copy, not a pointer to hers
    set_run_shared(db, run_id, False, ada)
    copy = import_run(db, export_run(db, run_id, ada), actor=bob)
    assert copy.created and copy.run_id != run_id
    assert [r.id for r in list_runs(db, actor=bob)] == [copy.run_id]
    assert import_run(db, export_run(db, run_id, ada), actor=ada).run_id == run_id


def test_a_stored_key_is_used_for_others_only_when_its_owner_shared_it(db: Database) -> None:
    ada, bob = people(db)
    import_team(db, sample_document(), actor=ada)
    store_api_key(db, "gpt", "sk-ada", actor=ada)
    with pytest.raises(NotFoundError):
        store_api_key(db, "gpt", "sk-bob", actor=bob)
    model = get_model(db, "gpt", ada)
    assert resolve_api_key(db, model, {}, owner_id=ada.person_id) == "sk-ada"
    with pytest.raises(KeyNotSharedError, match="has not shared it"):
        resolve_api_key(db, model, {}, owner_id=bob.person_id)
    assert key_source(db, model, {}, owner_id=bob.person_id) == "not_shared"
    set_shared(db, MODEL, "gpt", True, actor=ada)  # shared for use, the key not ticked
    with pytest.raises(KeyNotSharedError):
        resolve_api_key(db, model, {}, owner_id=bob.person_id)
    set_shared(db, MODEL, "gpt", True, share_key=True, actor=ada)
    assert resolve_api_key(db, model, {}, owner_id=bob.person_id) == "sk-ada"
    assert ownership(db, MODEL, bob)["gpt"].share_key


def test_an_import_never_reuses_or_overwrites_someone_elses_items(db: Database) -> None:
    ada, bob = people(db)
    import_team(db, sample_document(), actor=ada)
    store_api_key(db, "gpt", "sk-ada", actor=ada)
    with pytest.raises(NameConflictError, match="someone else's.*rename the function"):
        import_team(db, sample_document(), on_conflict="copy", actor=bob)
    without_tools = sample_document().model_copy(deep=True)
    without_tools.tools, without_tools.agents[1].tools = [], []
    report = import_team(db, without_tools, on_conflict="overwrite", actor=bob)
    assert report.team == "Research (2)" and report.overwritten == [] and report.reused == []
    mine = resolve_team(db, "Research (2)", bob)
    assert {m.name for m in mine.models} == {"gpt (2)", "judge (2)"}
    assert resolve_api_key(db, mine.model("gpt (2)"), {}, owner_id=bob.person_id) is None
    owners = ownership(db, TEAM, ada)  # Ada signed in first: she is an admin and sees both
    assert (owners["Research"].owner_id, owners["Research (2)"].owner_id) == (ada.person_id, bob.person_id)
    assert resolve_api_key(db, get_model(db, "gpt", ada), {}, owner_id=ada.person_id) == "sk-ada"


def test_an_old_database_becomes_the_local_admins(database_url: str) -> None:
    old = database_at(database_url, "0001")
    fill_first_revision(old)
    old.close()
    db = open_database(database_url)
    try:
        admin = local_admin(db)
        assert (admin.subject, admin.role) == (LOCAL_ADMIN_SUBJECT, "admin")
        with db.engine.connect() as connection:
            for table in ("models", "tools", "agents", "teams", "runs"):
                owners = connection.execute(text(f"SELECT DISTINCT owner_id FROM {table}")).scalars().all()
                assert owners == [admin.person_id], table
            assert connection.execute(text("SELECT count(*) FROM people")).scalar() == 1
        assert get_run(db, 1).owner_id == admin.person_id and not get_run(db, 1).shared
        # the first person to sign in afterwards is an admin: the local admin does not count
        assert sign_in(db, "https://idp|ada", "ada@example.org", "Ada").role == "admin"
        assert [t.name for t in list_teams(db, sign_in(db, "https://idp|bob", "b@example.org", "B"))] == []
    finally:
        db.close()
