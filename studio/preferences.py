"""The studio's own preferences, kept with ``storage.settings`` (one database for everything)."""

from __future__ import annotations

from storage import Database
from storage.designs import list_models
from storage.people import Actor
from storage.settings import get_setting, set_setting
from studio.defaults import BUILTIN_MODEL_NAME

DEFAULT_MODEL_KEY = "studio.default_model"


def default_model_name(db: Database, actor: Actor | None = None) -> str | None:
    """The model new agents get: the one chosen in Settings, else the built-in model, else the first one
    (of those ``actor`` may use)."""
    names = [m.name for m in list_models(db, actor)]
    chosen = get_setting(db, DEFAULT_MODEL_KEY)
    for candidate in (chosen, BUILTIN_MODEL_NAME):
        if candidate in names:
            return candidate
    return names[0] if names else None


def set_default_model(db: Database, name: str | None) -> None:
    set_setting(db, DEFAULT_MODEL_KEY, name)
