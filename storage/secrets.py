"""API keys: read from the environment variable a model config names, or a key typed in the studio.

A stored key lives only in ``models.api_key``. No document (export, import, run snapshot) has a field
for it, ``ModelSpec.extra`` refuses credential-like entries, and the row's repr hides it, so a key can
only leave the database through ``resolve_api_key``, which the run engine calls to make LLM calls.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import TYPE_CHECKING, Literal

from sqlalchemy import update

from storage.design_rows import MODEL, find
from storage.documents import ModelSpec
from storage.errors import NotFoundError
from storage.tables import ModelRow

if TYPE_CHECKING:
    from storage.database import Database

KeySource = Literal["stored", "environment", "missing", "not_needed"]


def store_api_key(db: Database, model_name: str, key: str | None) -> None:
    """Store the key typed for a model config (None or "" removes it)."""
    with db.write() as session:
        if find(session, MODEL, model_name) is None:
            raise NotFoundError(f'there is no model named "{model_name}"')
        session.exec(update(ModelRow).where(ModelRow.name == model_name).values(api_key=key or None))


def _stored_key(db: Database, model_name: str) -> str | None:
    with db.read() as session:
        row = find(session, MODEL, model_name)
        return row.api_key if row is not None else None


def resolve_api_key(db: Database, model: ModelSpec, env: Mapping[str, str] = os.environ) -> str | None:
    """The key to call ``model`` with: the stored one if any, else ``$<api_key_env>``, else None."""
    stored = _stored_key(db, model.name)
    if stored:
        return stored
    return env.get(model.api_key_env) if model.api_key_env else None


def key_source(db: Database, model: ModelSpec, env: Mapping[str, str] = os.environ) -> KeySource:
    """Where the key would come from, for the studio to show without showing the key."""
    if _stored_key(db, model.name):
        return "stored"
    if not model.api_key_env:
        return "not_needed"
    return "environment" if env.get(model.api_key_env) else "missing"
