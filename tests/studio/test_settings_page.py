"""Settings page: data directory and database URL are shown; the model for new agents is stored."""

from __future__ import annotations

from storage.designs import save_model
from storage.documents import ModelSpec
from studio.defaults import BUILTIN_MODEL_NAME
from studio.preferences import default_model_name
from tests.studio.conftest import fresh
from tests.studio.helpers import no_errors, texts


def test_shows_where_data_lives(page, studio_db, tmp_path):  # type: ignore[no-untyped-def]
    at = page("settings")
    no_errors(at)
    assert [c.value for c in at.code] == [
        str((tmp_path / "data").resolve()), f"sqlite:///{tmp_path / 'data' / 'roundtable.db'}",
    ]
    assert "ROUNDTABLE_DATABASE_URL" in texts(at)
    assert [m.value for m in at.metric] == ["1", "0", "0", "0"]


def test_model_for_new_agents_is_remembered(page, studio_db):  # type: ignore[no-untyped-def]
    save_model(studio_db, ModelSpec(name="GPT", model="gpt-4o-mini"))
    at = page("settings")
    assert at.selectbox(key="settings.default_model").value == BUILTIN_MODEL_NAME
    at.selectbox(key="settings.default_model").set_value("GPT").run()
    no_errors(at)
    assert default_model_name(fresh(studio_db)) == "GPT"
    agents = page("agents")
    agents.button(key="agents.new").click().run()
    assert agents.selectbox(key="agents.f.model").value == "GPT"


def test_docker_check_reports_an_unreachable_engine(page, studio_db, monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("DOCKER_HOST", "tcp://127.0.0.1:9")
    at = page("settings")
    at.button(key="settings.check_docker").click().run()
    assert "Docker engine not reachable at tcp://127.0.0.1:9" in "\n".join(w.value for w in at.warning)


def test_runs_mode_and_live_workers_are_shown(page, studio_db, monkeypatch):  # type: ignore[no-untyped-def]
    from storage.control import new_holder, register_process

    at = page("settings")
    no_errors(at)
    assert "in this studio's process" in texts(at) and not at.dataframe
    monkeypatch.setenv("ROUNDTABLE_RUNS", "workers")
    at = page("settings")
    assert "worker processes" in texts(at)
    assert "No worker is running" in "\n".join(w.value for w in at.warning)
    holder = new_holder()
    register_process(studio_db, holder, "worker", lease_s=60, concurrency=3)
    at = page("settings")
    shown = at.dataframe[0].value
    assert list(shown["worker"]) == [holder] and list(shown["runs in hand"]) == [0] and list(shown["slots"]) == [3]
