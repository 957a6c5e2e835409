"""API keys: read from the environment variable a model config names, or a key typed in the studio.

A stored key lives only in ``models.api_key``. No document (export, import, run snapshot) has a field
for it, ``ModelSpec.extra`` refuses credential-like and endpoint-like entries, and the row's repr hides
it, so a key can only leave the database through ``resolve_api_key``, which the run engine calls to make
LLM calls.

A stored key is bound to the endpoint (provider and ``api_base``) of the model row it was typed for:
``design_rows.store`` drops it when an update changes that endpoint, and ``resolve_api_key`` hands it
only to a document whose model of that name points at the same endpoint. A team file, an imported run
or a CLI ``--team`` file that reuses a model's name with another server therefore never receives the key.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import TYPE_CHECKING, Literal

from sqlalchemy import update

from storage.design_rows import MODEL, find
from storage.documents import ModelSpec
from storage.endpoints import describe_endpoint, endpoint_of
from storage.errors import KeyEndpointError, NotFoundError
from storage.tables import ModelRow

if TYPE_CHECKING:
    from storage.database import Database

KeySource = Literal["stored", "stored_elsewhere", "environment", "missing", "not_needed"]


def store_api_key(db: Database, model_name: str, key: str | None) -> None:
    """Store the key typed for a model config (None or "" removes it); it is bound to the row's endpoint."""
    with db.write() as session:
        if find(session, MODEL, model_name) is None:
            raise NotFoundError(f'there is no model named "{model_name}"')
        session.exec(update(ModelRow).where(ModelRow.name == model_name).values(api_key=key or None))


def _stored(db: Database, model_name: str) -> tuple[str | None, ModelRow | None]:
    with db.read() as session:
        row = find(session, MODEL, model_name)
        return (row.api_key if row is not None else None), row


def resolve_api_key(db: Database, model: ModelSpec, env: Mapping[str, str] = os.environ) -> str | None:
    """The key to call ``model`` with: the stored one if any, else ``$<api_key_env>``, else None.

    Raises ``KeyEndpointError`` when a key is stored under this name for another endpoint: the
    document asks for a server the key was not entered for, so nothing may be sent.
    """
    stored, row = _stored(db, model.name)
    if stored and row is not None:
        if endpoint_of(row) != endpoint_of(model):
            raise KeyEndpointError(
                f'The model "{model.name}" points at {describe_endpoint(model)}, but its stored key was '
                f"entered for {describe_endpoint(row)}. The key was not sent: enter the key again for "
                f"that server on the Models page (or point the model back at {describe_endpoint(row)})."
            )
        return stored
    return env.get(model.api_key_env) if model.api_key_env else None


def key_source(db: Database, model: ModelSpec, env: Mapping[str, str] = os.environ) -> KeySource:
    """Where the key would come from, for the studio to show without showing the key."""
    stored, row = _stored(db, model.name)
    if stored and row is not None:
        return "stored" if endpoint_of(row) == endpoint_of(model) else "stored_elsewhere"
    if not model.api_key_env:
        return "not_needed"
    return "environment" if env.get(model.api_key_env) else "missing"
