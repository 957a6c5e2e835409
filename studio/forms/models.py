"""The Models page's form: a ModelSpec <-> form values, with provider presets, and saving (key included)."""

from __future__ import annotations

import json
from functools import partial
from typing import Any

from pydantic import ValidationError

from storage import Database
from storage.designs import get_model, save_model
from storage.documents import ModelSpec
from storage.endpoints import describe_endpoint, endpoint_of
from storage.secrets import store_api_key
from studio.auth import current_actor
from studio.formstate import Form
from studio.presets import PRESETS, full_model, preset_for, split_model

KEY_FROM_ENV, KEY_TYPED, KEY_NONE = "env", "typed", "none"
KEY_CHOICES = {
    KEY_FROM_ENV: "From an environment variable",
    KEY_TYPED: "Type it here (kept in this studio's database, never shown again)",
    KEY_NONE: "No key needed",
}


def new_values(preset_key: str = "openai") -> dict[str, Any]:
    preset = PRESETS[preset_key]
    return {
        "name": "", "preset": preset.key, "model": preset.model, "api_base": preset.api_base or "",
        "key_source": KEY_FROM_ENV if preset.api_key_env else KEY_NONE, "api_key_env": preset.api_key_env or "",
        "api_key": "", "had_key": False, "temperature": 0.7 if preset.key != "local" else 0.2,
        "set_max_tokens": preset.key == "local", "max_tokens": 512, "timeout": 300.0 if preset.key == "local" else 120.0,
        "stream": True, "extra": "",
    }


def values_from_spec(spec: ModelSpec, has_stored_key: bool) -> dict[str, Any]:
    preset = preset_for(spec)
    source = KEY_TYPED if has_stored_key else KEY_FROM_ENV if spec.api_key_env else KEY_NONE
    return {
        "name": spec.name, "preset": preset.key, "model": split_model(spec.model, preset),
        "api_base": spec.api_base or "", "key_source": source, "api_key_env": spec.api_key_env or "", "api_key": "",
        "had_key": has_stored_key, "temperature": 0.7 if spec.temperature is None else spec.temperature,
        "set_max_tokens": spec.max_tokens is not None, "max_tokens": spec.max_tokens or 1024,
        "timeout": spec.timeout or 120.0, "stream": spec.stream,
        "extra": json.dumps(spec.extra, indent=2) if spec.extra else "",
    }


def apply_preset(form: Form) -> None:
    """on_change of the provider: fill in what that provider needs (the name the person typed stays)."""
    values = new_values(form.get("preset"))
    for field in ("model", "api_base", "key_source", "api_key_env", "temperature", "set_max_tokens", "timeout"):
        form.set(field, values[field])
    form.clear_errors()


def spec_from_form(form: Form) -> ModelSpec | None:
    """The ModelSpec the form describes, or None with the errors recorded next to their fields."""
    preset = PRESETS[form.get("preset")]
    extra: dict[str, Any] = {}
    text = (form.get("extra") or "").strip()
    if text:
        try:
            extra = json.loads(text)
        except json.JSONDecodeError as error:
            form.add_error("extra", f"not valid JSON ({error.msg} at line {error.lineno}, column {error.colno})")
            return None
        if not isinstance(extra, dict):
            form.add_error("extra", 'write a JSON object, e.g. {"top_p": 0.9}')
            return None
    if not (form.get("model") or "").strip():
        form.add_error("model", "required: the name of the model at this provider")
    if preset.needs_base_url and not (form.get("api_base") or "").strip():
        form.add_error("api_base", "required for this provider: the server's address, e.g. " + (preset.api_base or ""))
    source = form.get("key_source")
    if source == KEY_FROM_ENV and not (form.get("api_key_env") or "").strip():
        form.add_error("api_key_env", "name the environment variable that holds the key, e.g. OPENAI_API_KEY")
    if form.errors:
        return None
    try:
        return ModelSpec(
            name=(form.get("name") or "").strip(),
            model=full_model(preset, form.get("model") or ""),
            api_base=(form.get("api_base") or "").strip() or None,
            api_key_env=(form.get("api_key_env") or "").strip() or None if source == KEY_FROM_ENV else None,
            temperature=form.get("temperature"),
            max_tokens=form.get("max_tokens") if form.get("set_max_tokens") else None,
            timeout=form.get("timeout") or None,
            stream=bool(form.get("stream")),
            extra=extra,
        )
    except ValidationError as error:
        form.take_validation_error(error)
        return None


def save(db: Database, form: Form) -> None:
    """Save button (on_click): store the model and its key, or record why not."""
    form.clear_errors()
    spec = spec_from_form(form)
    if spec is None:
        return
    if form.get("key_source") == KEY_TYPED and not form.get("api_key") and not form.get("had_key"):
        form.add_error("api_key", "type the key, or choose where else it comes from")
        return
    if form.get("key_source") == KEY_TYPED and not form.get("api_key") and form.get("had_key") and form.selected:
        before = get_model(db, form.selected, current_actor())
        if endpoint_of(before) != endpoint_of(spec):
            form.add_error("api_key", f"the stored key was entered for {describe_endpoint(before)}; type it again "
                           f"for {describe_endpoint(spec)} (a key is only ever sent to the server it was typed for)")
            return
    if not form.store(partial(save_model, db, actor=current_actor()), spec):
        return
    if form.get("key_source") == KEY_TYPED:
        if form.get("api_key"):  # else: keep the key stored before
            store_api_key(db, spec.name, form.get("api_key"), current_actor())
    else:
        store_api_key(db, spec.name, None, current_actor())  # the key now comes from the environment, or is not needed
    form.saved(spec.name, "model")
