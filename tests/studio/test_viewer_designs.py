"""A viewer (sign-in role) looks at designs but cannot change them: on every design page the Save and Delete
buttons are disabled and say why, instead of failing after the click (storage refuses them too)."""

from __future__ import annotations

import pytest

from storage.design_rows import MODEL
from storage.designs import save_agent, save_model, save_team, save_tool, set_shared
from storage.documents import AgentSpec, ModelSpec, TeamSpec, ToolSpec
from storage.people import set_role, sign_in

TOOL = 'def shout(text: str) -> str:\n    """Say it louder."""\n    return text.upper()\n'
# (the Teams page shows a viewer no form at all here: the team's agents are not theirs to see)
PAGES = [("agents", "writer", "agents.save"), ("models", "Scripted", "models.save"), ("tools", "shout", "tools.save")]


@pytest.fixture
def as_viewer(studio_db, monkeypatch):  # type: ignore[no-untyped-def]
    admin = sign_in(studio_db, "idp|ada", "ada@example.org", "Ada")
    save_model(studio_db, ModelSpec(name="Scripted", model="openai/x", api_base="http://127.0.0.1:9"), actor=admin)
    save_agent(studio_db, AgentSpec(name="writer", model="Scripted"), actor=admin)
    save_agent(studio_db, AgentSpec(name="user", kind="user_proxy", human_input_mode="NEVER"), actor=admin)
    save_team(studio_db, TeamSpec(name="Pair", kind="two_agent", members=["user", "writer"], initiator="user"),
              actor=admin)
    save_tool(studio_db, ToolSpec(name="shout", source=TOOL), actor=admin)
    set_shared(studio_db, MODEL, "Scripted", True, actor=admin)  # so the viewer sees one to open
    viewer = sign_in(studio_db, "idp|bob", "bob@example.org", "Bob")
    set_role(studio_db, admin, viewer.person_id, "viewer")
    viewer = sign_in(studio_db, "idp|bob", "bob@example.org", "Bob")
    monkeypatch.setattr("studio.auth._local", lambda db: viewer)
    return viewer


@pytest.mark.parametrize(("name", "item", "save_key"), PAGES)
def test_a_viewer_sees_disabled_save_and_delete_buttons_with_the_reason(page, as_viewer, name, item, save_key):  # type: ignore[no-untyped-def]
    at = page(name)
    picks = [b.key for b in at.button if b.key and b.key.startswith(f"{name}.pick.")]
    if f"{name}.pick.{item}" in picks:
        at.button(key=f"{name}.pick.{item}").click().run()
    else:
        at.button(key=f"{name}.new").click().run()
    assert not at.exception, [e.value for e in at.exception]
    save = at.button(key=save_key)
    assert save.disabled
    assert "ask an admin for the editor role" in (save.help or "")
    deletes = [b for b in at.button if b.key == f"{name}.delete"]
    assert all(b.disabled for b in deletes)
