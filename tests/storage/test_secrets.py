"""API keys: used for calls, never exported, snapshotted or shown."""

from __future__ import annotations

import pytest

from storage import Database, NotFoundError
from storage.designs import get_model, resolve_team
from storage.runs import create_run, run_snapshot
from storage.secrets import key_source, resolve_api_key, store_api_key
from storage.tables import ModelRow
from storage.transfer import export_run, export_team, import_team
from storage.validation import dump_document
from tests.storage.helpers import sample_document, store_document

SECRET = "sk-test-0123456789abcdef"


def test_keys_come_from_the_store_or_the_named_environment_variable(db: Database) -> None:
    store_document(db, sample_document())
    gpt, judge = get_model(db, "gpt"), get_model(db, "judge")
    assert key_source(db, gpt, env={}) == "missing"
    assert resolve_api_key(db, gpt, env={}) is None
    assert key_source(db, gpt, env={"OPENAI_API_KEY": "sk-env"}) == "environment"
    assert resolve_api_key(db, gpt, env={"OPENAI_API_KEY": "sk-env"}) == "sk-env"
    assert key_source(db, judge, env={}) == "not_needed"
    store_api_key(db, "gpt", SECRET)
    assert key_source(db, gpt, env={"OPENAI_API_KEY": "sk-env"}) == "stored"
    assert resolve_api_key(db, gpt, env={"OPENAI_API_KEY": "sk-env"}) == SECRET
    store_api_key(db, "gpt", None)
    assert resolve_api_key(db, gpt, env={"OPENAI_API_KEY": "sk-env"}) == "sk-env"
    with pytest.raises(NotFoundError, match='there is no model named "nope"'):
        store_api_key(db, "nope", SECRET)


def test_a_stored_key_never_leaves_through_documents(db: Database) -> None:
    store_document(db, sample_document())
    store_api_key(db, "gpt", SECRET)
    run_id = create_run(db, resolve_team(db, "Research"), "task")
    texts = [
        dump_document(export_team(db, "Research")),
        dump_document(export_run(db, run_id)),
        run_snapshot(db, run_id).model_dump_json(),
        get_model(db, "gpt").model_dump_json(),
        repr(get_model(db, "gpt")),
    ]
    with db.read() as session:
        texts.append(repr(session.get(ModelRow, 1)))
    assert [SECRET in text for text in texts] == [False] * len(texts)


def test_overwriting_a_model_by_import_keeps_its_stored_key(db: Database) -> None:
    store_document(db, sample_document())
    store_api_key(db, "gpt", SECRET)
    changed = sample_document().model_copy(deep=True)
    changed.models[0].temperature = 0.7
    import_team(db, changed, on_conflict="overwrite")
    assert get_model(db, "gpt").temperature == 0.7
    assert resolve_api_key(db, get_model(db, "gpt"), env={}) == SECRET
