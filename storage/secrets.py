"""API keys: read from the environment variable a model config names, or a key typed in the studio.

A stored key lives only in ``models.api_key``. No document (export, import, run snapshot) has a field
for it, ``ModelSpec.extra`` refuses credential-like and endpoint-like entries, and the row's repr hides
it, so a key can only leave the database through ``resolve_api_key``, which the run engine calls to make
LLM calls.

A stored key is bound to the endpoint (provider and ``api_base``) of the model row it was typed for:
``design_rows.store`` drops it when an update changes that endpoint, and ``resolve_api_key`` hands it
only to a document whose model of that name points at the same endpoint. A team file, an imported run
or a CLI ``--team`` file that reuses a model's name with another server therefore never receives the key.

A stored key also belongs to the model's owner: it is handed out for a run owned by someone else only
when the owner shared the model with "others may use my key" (``models.share_key``).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import TYPE_CHECKING, Literal

from sqlalchemy import update

from storage.access import check_may_change, may_see
from storage.design_rows import MODEL, find
from storage.documents import ModelSpec
from storage.endpoints import describe_endpoint, endpoint_of
from storage.errors import KeyEndpointError, KeyNotSharedError, NotFoundError
from storage.people import Actor
from storage.tables import ModelRow

if TYPE_CHECKING:
    from storage.database import Database

KeySource = Literal["stored", "stored_elsewhere", "not_shared", "environment", "missing", "not_needed"]


def store_api_key(db: Database, model_name: str, key: str | None, actor: Actor | None = None) -> None:
    """Store the key typed for a model config (None or "" removes it); it is bound to the row's endpoint.
    Only the model's owner (or an admin) may."""
    with db.write() as session:
        row = find(session, MODEL, model_name)
        if row is None or not may_see(row, actor):
            raise NotFoundError(f'there is no model named "{model_name}"')
        check_may_change(row, actor, f'the model "{model_name}"')
        session.exec(update(ModelRow).where(ModelRow.name == model_name).values(api_key=key or None))


def _stored(db: Database, model_name: str) -> tuple[str | None, ModelRow | None]:
    with db.read() as session:
        row = find(session, MODEL, model_name)
        return (row.api_key if row is not None else None), row


def _key_is_shared_with(row: ModelRow, owner_id: int | None) -> bool:
    return owner_id is None or row.owner_id == owner_id or (row.shared and row.share_key)


def resolve_api_key(
    db: Database, model: ModelSpec, env: Mapping[str, str] = os.environ, *, owner_id: int | None = None
) -> str | None:
    """The key to call ``model`` with, for a run owned by person ``owner_id`` (None: the local machine's
    own use): the stored one if any, else ``$<api_key_env>``, else None.

    Raises ``KeyEndpointError`` when a key is stored under this name for another endpoint: the
    document asks for a server the key was not entered for, so nothing may be sent; and
    ``KeyNotSharedError`` when the key belongs to someone who did not share it.
    """
    stored, row = _stored(db, model.name)
    if stored and row is not None:
        if not _key_is_shared_with(row, owner_id):
            raise KeyNotSharedError(
                f'The model "{model.name}" has a stored key that belongs to its owner, who has not shared it '
                "(\"others may use my key\"). The key was not used: ask its owner to share it, or make your "
                "own model with your own key."
            )
        if endpoint_of(row) != endpoint_of(model):
            raise KeyEndpointError(
                f'The model "{model.name}" points at {describe_endpoint(model)}, but its stored key was '
                f"entered for {describe_endpoint(row)}. The key was not sent: enter the key again for "
                f"that server on the Models page (or point the model back at {describe_endpoint(row)})."
            )
        return stored
    return env.get(model.api_key_env) if model.api_key_env else None


def key_source(
    db: Database, model: ModelSpec, env: Mapping[str, str] = os.environ, *, owner_id: int | None = None
) -> KeySource:
    """Where the key would come from (for a run of ``owner_id``), for the studio to show without
    showing the key."""
    stored, row = _stored(db, model.name)
    if stored and row is not None:
        if not _key_is_shared_with(row, owner_id):
            return "not_shared"
        return "stored" if endpoint_of(row) == endpoint_of(model) else "stored_elsewhere"
    if not model.api_key_env:
        return "not_needed"
    return "environment" if env.get(model.api_key_env) else "missing"
