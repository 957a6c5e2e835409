"""Models page: create, edit, test and delete model configs; keys are stored, never shown."""

from __future__ import annotations

import dataclasses

from components.llm.local_catalog import BETTER_MODEL, BUILTIN_MODELS, LIGHT_MODEL, Part
from components.llm.scripted import ScriptedLLMServer, fail
from storage.designs import delete_model, get_model, list_models, save_agent
from storage.documents import AgentSpec
from storage.secrets import key_source, resolve_api_key
from studio.defaults import BUILTIN_MODEL_NAME
from tests.studio.conftest import fresh
from tests.studio.helpers import click, no_errors, texts


def new_model(at, name: str, preset: str):  # type: ignore[no-untyped-def]
    click(at, "models.new")
    at.text_input(key="models.f.name").input(name)
    at.selectbox(key="models.f.preset").set_value(preset).run()
    no_errors(at)
    return at


def test_a_fresh_studio_has_the_builtin_model(page, studio_db):  # type: ignore[no-untyped-def]
    at = page("models")
    no_errors(at)
    assert [m.model for m in list_models(studio_db)] == ["local/qwen2.5-coder-0.5b"]
    assert "local/qwen2.5-coder-0.5b \u00b7 no key needed" in texts(at)


def test_empty_state_offers_the_builtin_model(page, studio_db):  # type: ignore[no-untyped-def]
    delete_model(studio_db, BUILTIN_MODEL_NAME)
    at = page("models")
    assert "No models yet: add one, or use the built-in local model" in texts(at)
    click(at, "models.add_builtin")
    assert get_model(fresh(studio_db), BUILTIN_MODEL_NAME).model == "local/qwen2.5-coder-0.5b"


def test_the_page_says_which_builtin_models_are_installed_and_how_to_add_one(page, monkeypatch):  # type: ignore[no-untyped-def]
    # The opt-in model's weights point at a package that is not installed (it may be on this machine).
    better = BUILTIN_MODELS[BETTER_MODEL]
    absent = dataclasses.replace(better.weights, parts=(Part("rtchunk_absent_part1", "data/part01.bin", 1, "0" * 64),))
    monkeypatch.setitem(BUILTIN_MODELS, BETTER_MODEL, dataclasses.replace(better, weights=absent))
    at = page("models")
    no_errors(at)
    shown = texts(at)
    light = BUILTIN_MODELS[LIGHT_MODEL]
    assert f"**{light.label}** \u00b7 `{LIGHT_MODEL}` \u00b7 :material/check_circle: installed" in shown
    assert f"{light.download_mb} MB download; {light.summary}." in shown
    assert f"**{better.label}** \u00b7 `{BETTER_MODEL}` \u00b7 :material/cancel: not installed" in shown
    assert "To add it: `pip install -r requirements-better-model.txt`, then restart the studio." in shown


def test_the_builtin_preset_offers_the_builtin_models(page, monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.delenv("ROUNDTABLE_LOCAL_MODEL_PATH", raising=False)
    at = new_model(page("models"), "Small", "local")
    model = at.selectbox(key="models.f.model")
    assert model.options == [m.label for m in BUILTIN_MODELS.values()] and model.value == "qwen2.5-coder-0.5b"
    model.set_value("smollm2").run()
    light = BUILTIN_MODELS[LIGHT_MODEL]
    assert f"{light.label}: {light.summary}" in texts(at)


def test_create_openai_model_with_a_typed_key(page, studio_db):  # type: ignore[no-untyped-def]
    at = new_model(page("models"), "GPT mini", "openai")
    assert at.text_input(key="models.f.model").value == "gpt-4o-mini"
    assert at.text_input(key="models.f.api_key_env").value == "OPENAI_API_KEY"
    at.radio(key="models.f.key_source").set_value("typed").run()
    at.text_input(key="models.f.api_key").input("sk-secret-123")
    click(at, "models.save")
    db = fresh(studio_db)
    spec = get_model(db, "GPT mini")
    assert (spec.model, spec.api_key_env, spec.temperature) == ("gpt-4o-mini", None, 0.7)
    assert key_source(db, spec) == "stored" and resolve_api_key(db, spec) == "sk-secret-123"
    assert "Saved model" in texts(at)
    # The key is never shown again: the form comes back with an empty key field and a note.
    assert at.text_input(key="models.f.api_key").value == ""
    assert "A key is stored for this model" in texts(at)
    assert "sk-secret-123" not in str([w.value for w in at.text_input])


def test_edit_keeps_the_stored_key_and_renames(page, studio_db):  # type: ignore[no-untyped-def]
    at = new_model(page("models"), "Claude", "anthropic")
    at.radio(key="models.f.key_source").set_value("typed").run()
    at.text_input(key="models.f.api_key").input("sk-ant")
    click(at, "models.save")
    at.text_input(key="models.f.name").input("Claude fast")
    at.slider(key="models.f.temperature").set_value(0.3)
    click(at, "models.save")
    db = fresh(studio_db)
    spec = get_model(db, "Claude fast")
    assert spec.model == "anthropic/claude-3-5-haiku-latest" and spec.temperature == 0.3
    assert resolve_api_key(db, spec) == "sk-ant"
    assert "Claude" not in [m.name for m in list_models(db)]


def test_errors_are_shown_next_to_their_fields(page, studio_db):  # type: ignore[no-untyped-def]
    at = new_model(page("models"), "", "compatible")
    at.text_input(key="models.f.api_base").input("")
    at.radio(key="models.f.key_source").set_value("env").run()
    at.text_input(key="models.f.api_key_env").input("")
    click(at, "models.save")
    shown = texts(at)
    assert "required for this provider: the server's address" in shown
    assert "name the environment variable that holds the key" in shown
    at.text_input(key="models.f.api_base").input("http://localhost:8000/v1")
    at.text_input(key="models.f.api_key_env").input("MY_KEY")
    at.text_area(key="models.f.extra").input("{not json")
    click(at, "models.save")
    assert "not valid JSON" in texts(at)
    at.text_area(key="models.f.extra").input('{"api_key": "sk-x"}')
    click(at, "models.save")
    assert "looks like a credential" in texts(at)
    at.text_area(key="models.f.extra").input("")
    click(at, "models.save")
    assert "required" in texts(at)  # the name
    at.text_input(key="models.f.name").input(BUILTIN_MODEL_NAME)
    click(at, "models.save")
    assert "already exists" in texts(at)
    assert [m.name for m in list_models(fresh(studio_db))] == [BUILTIN_MODEL_NAME]


def test_test_button_shows_reply_latency_and_tokens(page, studio_db):  # type: ignore[no-untyped-def]
    with ScriptedLLMServer() as server:
        server.script("scripted", ["Ready when you are!"])
        at = new_model(page("models"), "Scripted", "compatible")
        at.text_input(key="models.f.model").input("scripted")
        at.text_input(key="models.f.api_base").input(server.url)
        at.radio(key="models.f.key_source").set_value("typed").run()
        at.text_input(key="models.f.api_key").input("sk-scripted")
        click(at, "models.test")
        assert "answered:** Ready when you are!" in texts(at)
        assert [m.label for m in at.metric] == ["Latency", "Prompt tokens", "Reply tokens"]
        assert server.requests[0]["messages"][-1]["content"].startswith("Reply with one short")
    assert list_models(fresh(studio_db))[0].name == BUILTIN_MODEL_NAME  # testing does not save


def test_test_button_shows_the_exact_error(page, studio_db):  # type: ignore[no-untyped-def]
    with ScriptedLLMServer() as server:
        server.script("scripted", [fail(401, "Incorrect API key provided")])
        at = new_model(page("models"), "Wrong key", "compatible")
        at.text_input(key="models.f.model").input("scripted")
        at.text_input(key="models.f.api_base").input(server.url)
        click(at, "models.test")
        assert "authentication failed for model openai/scripted" in "\n".join(e.value for e in at.error)
        port = server.port
    at.text_input(key="models.f.api_base").input(f"http://127.0.0.1:{port}/v1")  # the server is gone now
    at.radio(key="models.f.key_source").set_value("typed").run()
    at.text_input(key="models.f.api_key").input("sk-scripted")
    click(at, "models.test")
    assert "cannot reach" in "\n".join(e.value for e in at.error)


def test_delete_asks_first_and_refuses_a_model_in_use(page, studio_db):  # type: ignore[no-untyped-def]
    save_agent(studio_db, AgentSpec(name="coder", model=BUILTIN_MODEL_NAME))
    at = page("models")
    click(at, f"models.pick.{BUILTIN_MODEL_NAME}")
    click(at, "models.delete")
    assert "is used by agent \u201ccoder\u201d" in texts(at)
    assert at.button(key="models.delete_confirm").disabled
    click(at, "models.delete_cancel")
    assert "models.delete_confirm" not in [b.key for b in at.button]
    at = new_model(at, "Spare", "ollama")
    click(at, "models.save")
    click(at, "models.delete")
    click(at, "models.delete_confirm")
    assert "Deleted model" in texts(at)
    assert [m.name for m in list_models(fresh(studio_db))] == [BUILTIN_MODEL_NAME]
