"""AG2's ``LLMConfig`` object, accepted wherever an ``llm_config`` dict is.

    llm_config = LLMConfig({"model": "gpt-4o-mini", "api_key": key}, temperature=0.2)
    llm_config = LLMConfig(config_list=[{"model": "gpt-4o-mini"}])          # AG2 0.8's keyword form
    llm_config = LLMConfig(model="gpt-4o-mini", api_type="openai")          # one entry as keywords
    with llm_config:                                                        # agents made inside adopt it
        assistant = AssistantAgent("assistant")

It is a thin, dict-like holder: ``to_dict()`` gives the AutoGen dict form that ``components.llm.config``
validates. Any other object with ``model_dump()`` (AG2's own LLMConfig, a pydantic entry) works as well.
"""

from __future__ import annotations

import contextvars
import copy
import json
import os
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

_current: contextvars.ContextVar[LLMConfig | None] = contextvars.ContextVar("roundtable_llm_config", default=None)

# Keys that belong to one model entry when LLMConfig is called with keywords only.
_ENTRY_KEYS = {"model", "api_key", "api_type", "base_url", "api_base", "api_version", "tags", "price", "api_key_env"}


def _plain(value: Any) -> Any:
    dump = getattr(value, "model_dump", None)
    if callable(dump) and not isinstance(value, type):
        return dump(exclude_none=True)
    return value


class LLMConfig:
    def __init__(self, *configs: dict[str, Any], config_list: Iterable[Any] | None = None, **options: Any) -> None:
        entries = [dict(_plain(c)) for c in configs if c]
        entries += [dict(_plain(c)) for c in (config_list or []) if c]
        entry_options = {k: options.pop(k) for k in list(options) if k in _ENTRY_KEYS}
        if entry_options:
            entries.append(entry_options)
        if not entries:
            raise ValueError('LLMConfig needs at least one model, e.g. LLMConfig({"model": "gpt-4o-mini"})')
        self._data: dict[str, Any] = {**{k: v for k, v in options.items() if v is not None}, "config_list": entries}
        self._tokens: list[contextvars.Token[LLMConfig | None]] = []

    # -- AG2's constructors and queries ------------------------------------------------------------------
    @classmethod
    def ensure_config(cls, config: Any) -> LLMConfig:
        if isinstance(config, LLMConfig):
            return config.copy()
        if isinstance(config, dict):
            config = dict(config)
            entries = config.pop("config_list", None)
            if entries is None:
                return cls(config)
            return cls(*([entries] if isinstance(entries, dict) else entries), **config)
        return cls(*config)

    @classmethod
    def from_json(cls, *, env: str | None = None, path: str | Path | None = None, **options: Any) -> LLMConfig:
        """Entries from a JSON file, or from an environment variable holding JSON or a file name."""
        if (env is None) == (path is None):
            raise ValueError("Give exactly one of env=... or path=...")
        text = os.environ.get(env, "") if env is not None else Path(path).read_text(encoding="utf-8")  # type: ignore[arg-type]
        if env is not None and text and not text.lstrip().startswith("[") and Path(text).is_file():
            text = Path(text).read_text(encoding="utf-8")
        try:
            entries = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ValueError(f"the model list in {env or path} is not valid JSON: {exc}") from exc
        return cls(*entries, **options)

    def where(self, *, exclude: bool = False, **filters: Any) -> LLMConfig:
        """A copy keeping the entries whose keys match ``filters`` (a value or a list of allowed values)."""

        def matches(entry: dict[str, Any]) -> bool:
            for key, wanted in filters.items():
                allowed = wanted if isinstance(wanted, (list, tuple, set)) else [wanted]
                have = entry.get(key)
                if not any(h in allowed for h in (have if isinstance(have, list) else [have])):
                    return False
            return True

        kept = [e for e in self._data["config_list"] if matches(e) != exclude]
        if not kept:
            raise ValueError(f"No config found that satisfies the filter criteria: {filters}")
        return LLMConfig(*kept, **{k: v for k, v in self._data.items() if k != "config_list"})

    @property
    def config_list(self) -> list[dict[str, Any]]:
        return self._data["config_list"]

    def to_dict(self) -> dict[str, Any]:
        return copy.deepcopy(self._data)

    def model_dump(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        return self.to_dict()

    def model_dump_json(self, *args: Any, **kwargs: Any) -> str:
        return json.dumps(self._data, default=str)

    # -- dict-like access, as AG2 allows --------------------------------------------------------------
    def get(self, key: str, default: Any = None) -> Any:
        return self._data.get(key, default)

    def __getitem__(self, key: str) -> Any:
        return self._data[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self._data[key] = value

    def __contains__(self, key: object) -> bool:
        return key in self._data

    def __iter__(self) -> Iterator[str]:
        return iter(self._data)

    def items(self) -> Iterable[tuple[str, Any]]:
        return self._data.items()

    def keys(self) -> Iterable[str]:
        return self._data.keys()

    def values(self) -> Iterable[Any]:
        return self._data.values()

    def copy(self) -> LLMConfig:
        return copy.deepcopy(self)

    def __deepcopy__(self, memo: dict[int, Any]) -> LLMConfig:
        clone = LLMConfig.__new__(LLMConfig)
        clone._data = copy.deepcopy(self._data, memo)
        clone._tokens = []
        return clone

    def __eq__(self, other: object) -> bool:
        return isinstance(other, LLMConfig) and other._data == self._data

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        shown = copy.deepcopy(self._data)
        for entry in shown["config_list"]:
            if entry.get("api_key"):
                entry["api_key"] = "**********"
        return f"LLMConfig({shown})"

    # -- ``with llm_config:`` -----------------------------------------------------------------------------
    def __enter__(self) -> LLMConfig:
        self._tokens.append(_current.set(self))
        return self

    def __exit__(self, *exc: object) -> None:
        _current.reset(self._tokens.pop())

    @staticmethod
    def current() -> LLMConfig | None:
        return _current.get()


def as_config_dict(llm_config: Any) -> Any:
    """An ``LLMConfig`` (ours, AG2's, any object with ``model_dump``) as the AutoGen dict; else unchanged."""
    if isinstance(llm_config, LLMConfig):
        return llm_config.to_dict()
    if llm_config is None or isinstance(llm_config, (dict, bool)):
        return llm_config
    dumped = _plain(llm_config)
    if isinstance(dumped, dict):
        dumped = dict(dumped)
        if "config_list" in dumped:
            dumped["config_list"] = [dict(_plain(e)) for e in dumped["config_list"]]
        return dumped
    return llm_config
