"""Gallery page: each ready-made team copies into the user's designs, with the model and executor chosen."""

from __future__ import annotations

from storage.designs import (
    delete_model,
    get_agent,
    get_team,
    list_agents,
    list_models,
    list_teams,
    save_model,
)
from storage.documents import ModelSpec
from studio.defaults import BUILTIN_MODEL_NAME
from studio.gallery import customise, gallery_teams
from studio.validation import validate_document
from tests.studio.conftest import fresh
from tests.studio.helpers import click, texts


def test_the_gallery_has_the_promised_teams_and_they_are_valid():  # type: ignore[no-untyped-def]
    teams = {t.title: t for t in gallery_teams()}
    assert list(teams) == ["Coder + Executor", "Plot maker", "Planner, Coder, Reviewer"]
    assert teams["Planner, Coder, Reviewer"].document.team.kind == "group"
    for team in teams.values():
        document = team.document
        assert [m.model for m in document.models] == ["local/qwen2.5-coder-0.5b"]
        assert {a.code_execution.mode for a in document.agents} == {"none", "local"}
        # Every team ends by itself: a turn or round limit, since a small model rarely says TERMINATE.
        assert document.team.max_turns or document.team.max_round <= 5
        assert [i for i in validate_document(document) if i.severity == "error" and "model" not in i.where] == []


def test_add_copies_the_team_agents_and_model(page, studio_db):  # type: ignore[no-untyped-def]
    at = page("gallery")
    assert at.selectbox(key="gallery.model").value == BUILTIN_MODEL_NAME
    click(at, "gallery.add.coder_executor")
    assert "Added team \u201cCoder + Executor\u201d" in texts(at)
    db = fresh(studio_db)
    team = get_team(db, "Coder + Executor")
    assert (team.kind, team.members, team.initiator) == ("two_agent", ["executor", "coder"], "executor")
    assert get_agent(db, "coder").model == BUILTIN_MODEL_NAME
    assert get_agent(db, "executor").code_execution.mode == "local"
    assert [m.name for m in list_models(db)] == [BUILTIN_MODEL_NAME]  # reused, not duplicated
    # Adding it again changes nothing: the identical designs are already there.
    click(at, "gallery.add.coder_executor")
    assert [t.name for t in list_teams(fresh(studio_db))] == ["Coder + Executor"]
    click(at, "gallery.add.planner_coder_reviewer")
    click(at, "gallery.add.plot_maker")
    db = fresh(studio_db)
    assert sorted(t.name for t in list_teams(db)) == ["Coder + Executor", "Planner, Coder, Reviewer", "Plot maker"]
    # The teams share their identical executor and coder instead of storing copies.
    assert get_team(db, "Planner, Coder, Reviewer").members == ["executor", "planner", "coder", "reviewer"]
    assert sorted(a.name for a in list_agents(db)) == ["coder", "executor", "planner", "plotter", "reviewer"]


def test_add_with_another_model_and_docker(page, studio_db, monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("DOCKER_HOST", "tcp://127.0.0.1:9")
    save_model(studio_db, ModelSpec(name="GPT", model="gpt-4o-mini", api_key_env="OPENAI_API_KEY"))
    at = page("gallery")
    at.selectbox(key="gallery.model").set_value("GPT")
    at.radio(key="gallery.where").set_value("docker").run()
    assert "Docker engine not reachable" in "\n".join(e.value for e in at.error)
    at.text_input(key="gallery.image").input("my-python:latest")
    click(at, "gallery.add.plot_maker")
    db = fresh(studio_db)
    assert get_agent(db, "plotter").model == "GPT"
    executor = get_agent(db, "executor").code_execution
    assert (executor.mode, executor.image) == ("docker", "my-python:latest")


def test_builtin_model_is_added_with_the_team_when_it_was_deleted(page, studio_db):  # type: ignore[no-untyped-def]
    delete_model(studio_db, BUILTIN_MODEL_NAME)
    at = page("gallery")
    assert at.selectbox(key="gallery.model").value == BUILTIN_MODEL_NAME
    click(at, "gallery.add.coder_executor")
    db = fresh(studio_db)
    assert [m.model for m in list_models(db)] == ["local/qwen2.5-coder-0.5b"] and len(list_agents(db)) == 2


def test_customise_moves_the_manager_to_the_chosen_model():  # type: ignore[no-untyped-def]
    document = gallery_teams()[2].document.model_copy(deep=True)
    document.team.manager_model = BUILTIN_MODEL_NAME
    other = ModelSpec(name="Other", model="ollama_chat/llama3.2", api_base="http://localhost:11434")
    changed = customise(document, other)
    assert changed.team.manager_model == "Other" and [m.name for m in changed.models] == ["Other"]
    assert {a.model for a in changed.agents} == {None, "Other"}


def test_run_it_opens_the_playground_with_the_team_and_task(page, studio_db):  # type: ignore[no-untyped-def]
    at = click(page("gallery"), "gallery.add.plot_maker")
    click(at, "gallery.run.plot_maker")
    assert at.session_state["playground.team"] == "Plot maker"
    assert at.selectbox(key="playground.team").value == "Plot maker"
    assert at.text_area(key="playground.task").value.startswith("Draw a bar chart")
