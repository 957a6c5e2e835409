"""The one place litellm is imported: lazily, and configured to work offline.

Importing litellm takes seconds and, offline, would wait ~10 s trying to download its price map; every
caller goes through ``get_litellm()`` so the studio's pages and the CLI start without it.
"""

from __future__ import annotations

import os
import threading
from types import ModuleType

_lock = threading.Lock()
_module: ModuleType | None = None


def get_litellm() -> ModuleType:
    global _module
    if _module is not None:
        return _module
    with _lock:
        if _module is None:
            os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
            import litellm

            litellm.suppress_debug_info = True
            litellm.drop_params = True  # a provider that lacks e.g. temperature ignores it instead of failing
            litellm.telemetry = False
            _module = litellm
    return _module
