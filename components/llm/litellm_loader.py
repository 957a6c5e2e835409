"""The one place litellm is imported: lazily, and configured to work offline.

Importing litellm takes seconds and, offline, would wait ~10 s trying to download its price map; every
caller goes through ``get_litellm()`` so the studio's pages and the CLI start without it.
"""

from __future__ import annotations

import os
import threading
from types import ModuleType

from components.runtime import CancellationToken

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


_ready = threading.Event()
_started = False
_failure: BaseException | None = None


def load_in_background() -> threading.Event:
    """Start importing litellm in a daemon thread (once); the event is set when it is done."""
    global _started
    with _lock:
        if _module is not None:
            _ready.set()
        if _started or _ready.is_set():
            return _ready
        _started = True

    def load() -> None:
        global _failure
        try:
            get_litellm()
        except BaseException as error:  # noqa: BLE001 - handed to whoever waits for it
            _failure = error
        finally:
            _ready.set()

    threading.Thread(target=load, name="roundtable-litellm-import", daemon=True).start()
    return _ready


def wait_for_litellm(token: CancellationToken) -> ModuleType:
    """``get_litellm()`` for a run: Stop during the seconds-long first import raises RunCancelled at once
    (the import goes on in the background for the next call)."""
    if _module is not None:
        return _module
    ready = load_in_background()
    while not ready.wait(0.05):
        token.raise_if_cancelled()
    if _failure is not None:
        raise _failure
    assert _module is not None
    return _module
