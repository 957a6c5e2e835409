"""Package names that load on first use (PEP 562): ``from components import AssistantAgent`` works, and
``import components.events`` does not load the whole engine."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any


def lazy_exports(package: str, namespace: dict[str, Any], exports: dict[str, str]) -> tuple[
    Callable[[str], Any], Callable[[], list[str]]
]:
    """``__getattr__`` and ``__dir__`` for ``package``, whose public ``exports`` map names to modules."""

    def __getattr__(name: str) -> Any:
        module = exports.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(module), name)
        namespace[name] = value  # later lookups do not come here
        return value

    def __dir__() -> list[str]:
        return sorted([*namespace, *exports])

    return __getattr__, __dir__
