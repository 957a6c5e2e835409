"""What a fresh studio starts with: the built-in offline model, so a first run needs no API key."""

from __future__ import annotations

from components.llm.local_catalog import DEFAULT_LOCAL_MODEL
from storage import Database
from storage.designs import list_models, save_model
from storage.documents import ModelSpec
from storage.settings import get_setting, set_setting

BUILTIN_MODEL_NAME = "Built-in local model"
BUILTIN_MODEL_NOTE = (
    "offline model (Qwen2.5-Coder 0.5B, or SmolLM2 when its weights are missing): solves most short Python "
    "tasks, slowly on a small machine; weak at long conversations"
)
_SEEDED = "builtin_model_seeded"


def builtin_model() -> ModelSpec:
    return ModelSpec(
        name=BUILTIN_MODEL_NAME, model=DEFAULT_LOCAL_MODEL, temperature=0.2, max_tokens=512, timeout=300, stream=True,
    )


def ensure_builtin_model(db: Database) -> None:
    """Add the built-in model once, to a studio that has no models (a user may delete it later)."""
    if get_setting(db, _SEEDED, False):
        return
    if not list_models(db):
        save_model(db, builtin_model())
    set_setting(db, _SEEDED, True)
