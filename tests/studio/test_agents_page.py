"""Agents page: defaults per kind, every engine option, errors next to fields, edit and delete."""

from __future__ import annotations

from storage.designs import get_agent, list_agents, save_agent, save_team, save_tool
from storage.documents import AgentSpec, TeamSpec, ToolSpec
from studio.defaults import BUILTIN_MODEL_NAME
from tests.studio.conftest import fresh
from tests.studio.helpers import click, no_errors, texts


def new_agent(at, name: str, kind: str = "assistant"):  # type: ignore[no-untyped-def]
    click(at, "agents.new")
    at.text_input(key="agents.f.name").input(name)
    if kind != "assistant":
        at.radio(key="agents.f.kind").set_value(kind).run()
        no_errors(at)
    return at


def test_empty_state_and_assistant_defaults(page, studio_db):  # type: ignore[no-untyped-def]
    at = page("agents")
    assert "No agents yet" in texts(at)
    at = new_agent(at, "coder")
    assert at.selectbox(key="agents.f.model").value == BUILTIN_MODEL_NAME
    assert at.radio(key="agents.f.human_input_mode").value == "NEVER"
    assert at.radio(key="agents.f.exec_mode").value == "none"
    assert at.text_area(key="agents.f.system_message").value.startswith("You are a helpful AI assistant.")
    assert at.text_area(key="agents.f.system_message").disabled
    click(at, "agents.save")
    spec = get_agent(fresh(studio_db), "coder")
    assert spec == AgentSpec(name="coder", kind="assistant", model=BUILTIN_MODEL_NAME, human_input_mode="NEVER")


def test_user_proxy_defaults_to_asking_and_running_code_locally(page, studio_db):  # type: ignore[no-untyped-def]
    at = new_agent(page("agents"), "me", "user_proxy")
    assert at.selectbox(key="agents.f.model").value == ""
    assert at.radio(key="agents.f.human_input_mode").value == "ALWAYS"
    assert at.radio(key="agents.f.exec_mode").value == "local"
    assert "Set to the defaults of a user proxy" in texts(at)
    assert "no code runs on your computer without you pressing Enter" in texts(at)
    click(at, "agents.save")
    spec = get_agent(fresh(studio_db), "me")
    assert (spec.kind, spec.model, spec.human_input_mode, spec.code_execution.mode) == ("user_proxy", None, "ALWAYS", "local")


def test_every_option_is_stored(page, studio_db):  # type: ignore[no-untyped-def]
    save_tool(studio_db, ToolSpec(name="add", source="def add(a: int, b: int) -> int:\n    '''Add.'''\n    return a + b\n"))
    at = new_agent(page("agents"), "runner", "conversable")
    at.text_input(key="agents.f.description").input("Runs things")
    at.toggle(key="agents.f.custom_prompt").set_value(True).run()
    at.text_area(key="agents.f.system_message").input("Be brief.")
    at.radio(key="agents.f.human_input_mode").set_value("TERMINATE")
    at.selectbox(key="agents.f.term_mode").set_value("endswith")
    at.text_input(key="agents.f.term_keyword").input("DONE")
    at.checkbox(key="agents.f.limit_replies").check().run()
    at.number_input(key="agents.f.max_replies").set_value(4)
    at.radio(key="agents.f.exec_mode").set_value("docker").run()
    at.number_input(key="agents.f.exec_timeout").set_value(30)
    at.selectbox(key="agents.f.exec_last_n").set_value(3)
    at.text_input(key="agents.f.exec_work_dir").input("shared")
    at.text_input(key="agents.f.docker_image").input("python:3.12-slim")
    at.number_input(key="agents.f.docker_memory").set_value(512)
    at.number_input(key="agents.f.docker_cpus").set_value(1.5)
    at.number_input(key="agents.f.docker_pids").set_value(64)
    at.checkbox(key="agents.f.docker_network").check()
    at.multiselect(key="agents.f.tools").select("add")
    at.number_input(key="agents.f.ctx_messages").set_value(8)
    at.number_input(key="agents.f.ctx_tokens").set_value(2000)
    at.text_input(key="agents.f.default_auto_reply").input("Nothing to do.")
    click(at, "agents.save")
    spec = get_agent(fresh(studio_db), "runner")
    assert spec.model_dump() == {
        "name": "runner", "display_name": None, "kind": "conversable", "description": "Runs things", "system_message": "Be brief.",
        "model": BUILTIN_MODEL_NAME, "human_input_mode": "TERMINATE", "max_consecutive_auto_reply": 4,
        "termination": {"mode": "endswith", "keyword": "DONE"},
        "code_execution": {"mode": "docker", "work_dir": "shared", "timeout": 30.0, "last_n_messages": 3,
                           "image": "python:3.12-slim", "memory_mb": 512, "cpus": 1.5, "pids_limit": 64, "network": True},
        "tools": ["add"], "mcp_tools": {}, "context": {"max_messages": 8, "max_tokens": 2000}, "default_auto_reply": "Nothing to do.",
    }


def test_errors_are_shown_next_to_their_fields(page, studio_db):  # type: ignore[no-untyped-def]
    save_tool(studio_db, ToolSpec(name="add", source="def add(a: int) -> int:\n    '''Add.'''\n    return a\n"))
    at = new_agent(page("agents"), "my agent")
    click(at, "agents.save")
    assert "use letters, digits, - and _ only (no spaces)" in texts(at)
    at.text_input(key="agents.f.name").input("helper")
    at.selectbox(key="agents.f.model").set_value("").run()
    assert "Without a model this agent can only run code" in texts(at)
    at.multiselect(key="agents.f.tools").select("add")
    click(at, "agents.save")
    assert "tools are offered to the agent's model" in texts(at)
    at.multiselect(key="agents.f.tools").unselect("add")
    at.text_input(key="agents.f.term_keyword").input("")
    click(at, "agents.save")
    assert ":material/error: required" in texts(at)  # under the keyword field
    assert list_agents(fresh(studio_db)) == []


def test_edit_and_rename_follow_into_teams(page, studio_db):  # type: ignore[no-untyped-def]
    save_agent(studio_db, AgentSpec(name="a", model=BUILTIN_MODEL_NAME))
    save_agent(studio_db, AgentSpec(name="b", kind="user_proxy"))
    save_team(studio_db, TeamSpec(name="t", kind="two_agent", members=["b", "a"], initiator="b"))
    at = page("agents")
    click(at, "agents.pick.a")
    assert at.text_input(key="agents.f.name").value == "a"
    at.text_input(key="agents.f.name").input("writer")
    at.toggle(key="agents.f.custom_prompt").set_value(True).run()
    at.text_area(key="agents.f.system_message").input("Write poems.")
    click(at, "agents.save")
    db = fresh(studio_db)
    assert get_agent(db, "writer").system_message == "Write poems."
    from storage.designs import get_team

    assert get_team(db, "t").members == ["b", "writer"]


def test_delete_asks_first_and_refuses_an_agent_in_a_team(page, studio_db):  # type: ignore[no-untyped-def]
    save_agent(studio_db, AgentSpec(name="a", model=BUILTIN_MODEL_NAME))
    save_agent(studio_db, AgentSpec(name="b", kind="user_proxy"))
    save_agent(studio_db, AgentSpec(name="spare"))
    save_team(studio_db, TeamSpec(name="t", kind="two_agent", members=["b", "a"], initiator="b"))
    at = page("agents")
    click(at, "agents.pick.a")
    click(at, "agents.delete")
    assert "used by team \u201ct\u201d" in texts(at) and at.button(key="agents.delete_confirm").disabled
    click(at, "agents.delete_cancel")
    click(at, "agents.pick.spare")
    click(at, "agents.delete")
    click(at, "agents.delete_confirm")
    assert "Deleted agent \u201cspare\u201d" in texts(at)
    assert [a.name for a in list_agents(fresh(studio_db))] == ["a", "b"]


def test_unsaved_edits_survive_hidden_fields_and_a_page_switch(page, studio_db):  # type: ignore[no-untyped-def]
    at = new_agent(page("agents"), "boxy")
    at.radio(key="agents.f.exec_mode").set_value("docker").run()
    at.text_input(key="agents.f.docker_image").input("python:3.12-slim")
    at.radio(key="agents.f.exec_mode").set_value("local").run()  # the Docker fields are hidden now
    at.switch_page("views/models.py").run()
    at.switch_page("views/agents.py").run()
    assert at.text_input(key="agents.f.name").value == "boxy"
    click(at, "agents.save")
    spec = get_agent(fresh(studio_db), "boxy")
    assert (spec.code_execution.mode, spec.code_execution.image) == ("local", "python:3.12-slim")
