"""What a fresh studio starts with: the built-in offline model, so a first run needs no API key."""

from __future__ import annotations

from components.llm.local_catalog import DEFAULT_LOCAL_MODEL
from storage import Database
from storage.design_rows import MODEL
from storage.designs import list_models, save_model, set_shared
from storage.documents import ModelSpec
from storage.errors import NotFoundError
from storage.settings import get_setting, set_setting

BUILTIN_MODEL_NAME = "Built-in local model"
BUILTIN_MODEL_NOTE = (
    "offline model (Qwen2.5-Coder 0.5B, or SmolLM2 when its weights are missing): solves most short Python "
    "tasks, slowly on a small machine; weak at long conversations"
)
_SEEDED = "builtin_model_seeded"
_SHARED = "builtin_model_shared"


def builtin_model() -> ModelSpec:
    return ModelSpec(
        name=BUILTIN_MODEL_NAME, model=DEFAULT_LOCAL_MODEL, temperature=0.2, max_tokens=512, timeout=300, stream=True,
    )


def ensure_builtin_model(db: Database) -> None:
    """Add the built-in model once, to a studio that has no models (a user may delete it later)."""
    if not get_setting(db, _SEEDED, False):
        if not list_models(db):
            save_model(db, builtin_model())
        set_setting(db, _SEEDED, True)
    if not get_setting(db, _SHARED, False):  # it needs no key: everyone signed in may use it (once)
        try:
            set_shared(db, MODEL, BUILTIN_MODEL_NAME, True)
        except NotFoundError:
            pass
        set_setting(db, _SHARED, True)
