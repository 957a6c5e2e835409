"""Validating an agent's ``llm_config`` and turning it into an ordered list of litellm call settings.

Accepted forms (both as AutoGen scripts write them and as litellm users expect):
- ``{"model": "gpt-4o-mini", "temperature": 0.3, "api_key": ..., "api_base": ...}``: one entry;
- ``{"config_list": [{...}, {...}], "temperature": 0.3}``: entries tried in order, top-level keys shared;
- ``{"temperature": 0.3}``: no model named; Roundtable's default model is used (``ROUNDTABLE_DEFAULT_MODEL``,
  else the built-in offline model), so AutoGen examples run out of the box.
"""

from __future__ import annotations

import copy
import os
from dataclasses import dataclass, field
from typing import Any

from components.llm.local_catalog import DEFAULT_LOCAL_MODEL

DEFAULT_MODEL_ENV = "ROUNDTABLE_DEFAULT_MODEL"
BUILTIN_MODEL = DEFAULT_LOCAL_MODEL
DEFAULT_TIMEOUT_S = 120.0
DEFAULT_MAX_RETRIES = 2

# Keys that describe how Roundtable calls the model rather than what litellm sends.
_CLIENT_KEYS = {"config_list", "stream", "max_retries", "cache_seed", "cache", "tools", "functions", "price"}
# AutoGen config_list keys that litellm spells differently or does not take.
_AUTOGEN_RENAMES = {"base_url": "api_base"}
_AUTOGEN_DROPPED = {
    "tags", "filter_dict", "api_rate_limit", "check_every_ms", "allow_format_str_template", "routing_method",
}


def default_model() -> str:
    return os.environ.get(DEFAULT_MODEL_ENV) or BUILTIN_MODEL


@dataclass(frozen=True)
class ModelEntry:
    """One way to call a model: the litellm ``model`` string and the keyword arguments to pass."""

    model: str
    params: dict[str, Any] = field(default_factory=dict)
    price: tuple[float, float] | None = None  # (prompt, completion) USD per 1k tokens, overriding litellm's map

    @property
    def api_base(self) -> str | None:
        return self.params.get("api_base")


@dataclass(frozen=True)
class LLMSettings:
    entries: list[ModelEntry]
    stream: bool = False
    max_retries: int = DEFAULT_MAX_RETRIES
    tools: list[dict[str, Any]] = field(default_factory=list)


def normalize_llm_config(llm_config: Any) -> dict[str, Any] | bool:
    """AutoGen's rules: None/False -> False (no LLM); a dict (or AG2's ``LLMConfig``) is deep-copied and
    checked. ``None`` inside ``with LLMConfig(...):`` means that config, as in AG2."""
    from components.llm.llm_config import LLMConfig, as_config_dict

    if llm_config is None and LLMConfig.current() is not None:
        llm_config = LLMConfig.current()
    llm_config = as_config_dict(llm_config)
    if llm_config is None or llm_config is False:
        return False
    if not isinstance(llm_config, dict):
        raise ValueError(
            f"llm_config must be a dict or False, got {type(llm_config).__name__}; "
            'e.g. llm_config={"model": "gpt-4o-mini"} or llm_config=False for an agent without an LLM'
        )
    if not llm_config:
        raise ValueError(
            'llm_config is empty: name a model, e.g. {"model": "gpt-4o-mini"} or {"model": "local/qwen2.5-coder-0.5b"}, '
            "or pass llm_config=False for an agent that does not use an LLM"
        )
    config = copy.deepcopy(llm_config)
    if "config_list" in config:
        config_list = config["config_list"]
        if not isinstance(config_list, list) or not config_list:
            raise ValueError(
                'llm_config["config_list"] is empty: give at least one entry such as {"model": "gpt-4o-mini"}'
            )
        for i, entry in enumerate(config_list):
            if not isinstance(entry, dict) or not entry.get("model"):
                raise ValueError(
                    f'llm_config["config_list"][{i}] has no "model": every entry needs one, e.g. '
                    '{"model": "gpt-4o-mini", "api_key": "..."}'
                )
    elif "model" in config and not config["model"]:
        raise ValueError('llm_config["model"] is empty: name a litellm model such as "gpt-4o-mini"')
    for key in ("temperature", "max_tokens", "timeout"):
        if key in config and config[key] is not None and not isinstance(config[key], (int, float)):
            raise ValueError(f'llm_config["{key}"] must be a number, got {config[key]!r}')
    return config


def settings_from_config(config: dict[str, Any]) -> LLMSettings:
    """The ordered call settings an LLM client needs, from a normalized llm_config."""
    shared = {k: v for k, v in config.items() if k not in _CLIENT_KEYS}
    raw_entries = config.get("config_list") or [{}]
    entries = []
    for raw in raw_entries:
        merged = {**shared, **{k: v for k, v in raw.items() if k != "price"}}
        for old, new in _AUTOGEN_RENAMES.items():
            if old in merged:
                merged.setdefault(new, merged.pop(old))
        for key in _AUTOGEN_DROPPED:
            merged.pop(key, None)
        model = _litellm_model_name(merged.pop("model", None) or default_model(), merged.pop("api_type", None))
        merged.setdefault("timeout", DEFAULT_TIMEOUT_S)
        price = raw.get("price") or config.get("price")
        entries.append(ModelEntry(model=model, params=merged, price=tuple(price) if price else None))
    tools = list(config.get("tools") or [])
    tools += [{"type": "function", "function": f} for f in config.get("functions") or []]
    return LLMSettings(
        entries=entries,
        stream=bool(config.get("stream", False)),
        max_retries=int(config.get("max_retries", DEFAULT_MAX_RETRIES)),
        tools=tools,
    )


def _litellm_model_name(model: str, api_type: str | None) -> str:
    """AutoGen's ``api_type`` ("azure", "anthropic", ...) becomes litellm's provider prefix."""
    if api_type and api_type != "openai" and "/" not in model:
        return f"{api_type}/{model}"
    return model
