"""Teams page: two-agent and group chats, members' order, transitions with their graph, checks, delete."""

from __future__ import annotations

import pytest

from storage.designs import get_team, list_teams, save_agent
from storage.documents import AgentSpec, CodeExecutionSpec, TeamSpec, TeamTerminationSpec, TransitionsSpec
from studio.defaults import BUILTIN_MODEL_NAME
from tests.studio.conftest import fresh
from tests.studio.helpers import click, no_errors, texts


@pytest.fixture
def agents(studio_db):  # type: ignore[no-untyped-def]
    save_agent(studio_db, AgentSpec(name="user", kind="user_proxy", human_input_mode="NEVER",
                                    max_consecutive_auto_reply=3, code_execution=CodeExecutionSpec(mode="local")))
    for name in ("planner", "coder", "reviewer"):
        save_agent(studio_db, AgentSpec(name=name, model=BUILTIN_MODEL_NAME))
    return studio_db


def new_team(at, name: str, kind: str, members: list[str]):  # type: ignore[no-untyped-def]
    click(at, "teams.new")
    at.text_input(key="teams.f.name").input(name)
    at.radio(key="teams.f.kind").set_value(kind).run()
    at.multiselect(key="teams.f.members").set_value(members).run()
    no_errors(at)
    return at


def test_without_agents_the_page_says_what_to_do(page, studio_db):  # type: ignore[no-untyped-def]
    at = page("teams")
    assert "No teams yet" in texts(at)
    click(at, "teams.new")
    assert "A team needs agents: create at least two on the Agents page first." in texts(at)


def test_create_a_two_agent_chat(page, agents):  # type: ignore[no-untyped-def]
    at = new_team(page("teams"), "Pair", "two_agent", ["user", "coder"])
    assert at.selectbox(key="teams.f.initiator").value == "user"
    at.checkbox(key="teams.f.limit_turns").check().run()
    at.number_input(key="teams.f.max_turns").set_value(2)
    click(at, "teams.save")
    assert get_team(fresh(agents), "Pair") == TeamSpec(
        name="Pair", kind="two_agent", members=["user", "coder"], initiator="user", max_turns=2,
    )


def test_group_chat_order_rules_and_transitions(page, agents):  # type: ignore[no-untyped-def]
    at = new_team(page("teams"), "Crew", "group", ["user", "coder", "planner"])
    click(at, "teams.up.planner")  # user, planner, coder
    assert at.multiselect(key="teams.f.members").value == ["user", "planner", "coder"]
    at.radio(key="teams.f.speaker_selection").set_value("auto").run()
    at.selectbox(key="teams.f.manager_model").set_value(BUILTIN_MODEL_NAME)
    at.number_input(key="teams.f.max_round").set_value(7)
    at.checkbox(key="teams.f.send_introductions").check()
    at.toggle(key="teams.f.use_transitions").set_value(True).run()
    at.multiselect(key="teams.f.edges.user").set_value(["planner"])
    at.multiselect(key="teams.f.edges.planner").set_value(["coder"])
    at.multiselect(key="teams.f.edges.coder").set_value(["user", "planner"]).run()
    no_errors(at)
    assert at.get("graphviz_chart")  # the graph is drawn
    click(at, "teams.save")
    team = get_team(fresh(agents), "Crew")
    assert team.members == ["user", "planner", "coder"] and team.max_round == 7 and team.send_introductions
    assert team.manager_model == BUILTIN_MODEL_NAME
    assert team.transitions == TransitionsSpec(
        type="allowed", edges={"user": ["planner"], "planner": ["coder"], "coder": ["user", "planner"]},
    )


def test_end_rules_are_saved_edited_and_cleared(page, agents):  # type: ignore[no-untyped-def]
    at = new_team(page("teams"), "Review", "group", ["coder", "reviewer"])
    at.checkbox(key="teams.f.stop_on_text").check().run()
    at.text_input(key="teams.f.stop_text").input("APPROVED")
    at.checkbox(key="teams.f.stop_on_count").check().run()
    at.number_input(key="teams.f.stop_count").set_value(6)
    click(at, "teams.save")
    no_errors(at)
    rules = TeamTerminationSpec(text_mention="APPROVED", max_messages=6)
    assert get_team(fresh(agents), "Review").termination == rules

    at = page("teams")  # a fresh page shows the stored rules
    click(at, "teams.pick.Review")
    assert at.checkbox(key="teams.f.stop_on_count").value and at.number_input(key="teams.f.stop_count").value == 6
    assert at.text_input(key="teams.f.stop_text").value == "APPROVED"
    at.checkbox(key="teams.f.stop_on_count").uncheck().run()
    click(at, "teams.save")
    assert get_team(fresh(agents), "Review").termination == TeamTerminationSpec(text_mention="APPROVED")
    at.checkbox(key="teams.f.stop_on_text").uncheck().run()
    click(at, "teams.save")
    assert get_team(fresh(agents), "Review").termination is None


def test_a_group_may_stop_ending_on_a_bare_terminate_and_a_pair_never_shows_it(page, agents):  # type: ignore[no-untyped-def]
    at = new_team(page("teams"), "Careful group", "group", ["coder", "reviewer"])
    assert at.checkbox(key="teams.f.stop_on_bare_terminate").value is True  # AutoGen's default
    at.checkbox(key="teams.f.stop_on_bare_terminate").uncheck().run()
    click(at, "teams.save")
    assert get_team(fresh(agents), "Careful group").termination == TeamTerminationSpec(bare_terminate=False)
    pair = new_team(page("teams"), "Pair", "two_agent", ["user", "coder"])
    assert not [c for c in pair.checkbox if c.key == "teams.f.stop_on_bare_terminate"]


def test_a_blank_end_phrase_is_refused_next_to_it(page, agents):  # type: ignore[no-untyped-def]
    at = new_team(page("teams"), "Pair", "two_agent", ["user", "coder"])
    at.checkbox(key="teams.f.stop_on_text").check().run()
    at.text_input(key="teams.f.stop_text").input("   ")
    click(at, "teams.save")
    assert "must contain more than spaces" in texts(at)
    assert list_teams(fresh(agents)) == []


def test_a_group_of_one_is_refused_next_to_the_members(page, agents):  # type: ignore[no-untyped-def]
    at = new_team(page("teams"), "Solo", "group", ["coder"])
    click(at, "teams.save")
    assert "a group chat needs at least 2 members, got 1" in texts(at)
    at.text_input(key="teams.f.name").input("")
    at.multiselect(key="teams.f.members").set_value([]).run()
    click(at, "teams.save")
    assert "choose the agents that take part" in texts(at)
    assert list_teams(fresh(agents)) == []


def test_check_lists_every_problem(page, agents, monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("DOCKER_HOST", "tcp://127.0.0.1:9")  # nothing listens there
    save_agent(agents, AgentSpec(name="boxed", kind="user_proxy", human_input_mode="NEVER",
                                 code_execution=CodeExecutionSpec(mode="docker")))
    save_agent(agents, AgentSpec(name="nomodel", kind="assistant"))
    at = new_team(page("teams"), "Broken", "group", ["boxed", "nomodel", "coder"])
    at.radio(key="teams.f.speaker_selection").set_value("auto").run()
    at.toggle(key="teams.f.use_transitions").set_value(True).run()
    at.multiselect(key="teams.f.edges.boxed").set_value(["nomodel"]).run()
    click(at, "teams.validate")
    errors = "\n".join(e.value for e in at.error)
    warnings = "\n".join(w.value for w in at.warning)
    assert "problems to fix before it can run" in errors
    assert 'agent "nomodel"**: has no model' in errors
    assert "Docker engine not reachable at tcp://127.0.0.1:9" in errors
    assert "no manager model is set: the model" in warnings and "(of coder) chooses who speaks next" in warnings
    assert 'no one may speak after "nomodel"' in warnings and '"coder" can never speak' in warnings


def test_check_says_ready_when_it_is(page, agents):  # type: ignore[no-untyped-def]
    at = new_team(page("teams"), "Pair", "two_agent", ["user", "coder"])
    click(at, "teams.validate")
    assert "Ready to run: no problems found." in texts(at)


def test_edit_and_delete_with_confirmation(page, agents):  # type: ignore[no-untyped-def]
    at = new_team(page("teams"), "Pair", "two_agent", ["user", "coder"])
    click(at, "teams.save")
    at.text_area(key="teams.f.description").input("Writes code")
    at.selectbox(key="teams.f.initiator").set_value("coder")
    click(at, "teams.save")
    assert get_team(fresh(agents), "Pair").initiator == "coder"
    click(at, "teams.delete")
    assert "will be removed from your designs" in texts(at)
    click(at, "teams.delete_confirm")
    assert "Deleted team \u201cPair\u201d" in texts(at)
    assert list_teams(fresh(agents)) == []
    assert "No teams yet" in texts(at)


def test_missing_model_is_reported_for_a_stored_team(page, agents):  # type: ignore[no-untyped-def]
    from storage.designs import save_model
    from storage.documents import ModelSpec

    save_model(agents, ModelSpec(name="Cloud", model="gpt-4o-mini", api_key_env="ROUNDTABLE_TEST_UNSET_KEY"))
    save_agent(agents, AgentSpec(name="cloudy", model="Cloud"))
    at = new_team(page("teams"), "Cloud pair", "two_agent", ["user", "cloudy"])
    click(at, "teams.validate")
    assert "ROUNDTABLE_TEST_UNSET_KEY, which is not set" in "\n".join(e.value for e in at.error)
