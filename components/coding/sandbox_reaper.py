"""Removing sandbox containers whose owner is gone: at start and then periodically, in every host process.

Each container carries labels naming the process that started it (host, pid, process start time; see
``docker_engine``). A process killed with ``kill -9`` cannot remove its container, so every process that
hosts runs (the studio, the CLI) starts this reaper: a daemon thread that removes the containers of dead
owners at once (the studio: a few seconds after it starts, so that its first page does not wait for the
Docker SDK's import) and then every ``$ROUNDTABLE_SANDBOX_REAPER_INTERVAL`` seconds (default 30).
"""

from __future__ import annotations

import logging
import os
import threading

logger = logging.getLogger(__name__)

REAPER_INTERVAL_ENV = "ROUNDTABLE_SANDBOX_REAPER_INTERVAL"
DEFAULT_REAPER_INTERVAL_S = 30.0


def reaper_interval(value: float | None = None) -> float:
    """``value``, else ``$ROUNDTABLE_SANDBOX_REAPER_INTERVAL``, else 30 seconds."""
    if value is None:
        raw = os.environ.get(REAPER_INTERVAL_ENV, "").strip()
        try:
            value = float(raw) if raw else DEFAULT_REAPER_INTERVAL_S
        except ValueError:
            raise ValueError(f"{REAPER_INTERVAL_ENV} must be a number of seconds, got {raw!r}") from None
    if not value > 0:
        raise ValueError(f"the sandbox reaper interval must be positive (got {value})")
    return float(value)


class _Reaper:
    """One per process; ``start`` asks for a pass now and keeps the shortest interval asked for."""

    def __init__(self) -> None:
        self.interval = DEFAULT_REAPER_INTERVAL_S
        self.passes = 0
        self._wake = threading.Event()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def start(self, interval_s: float | None = None, first_pass_after_s: float = 0.0) -> None:
        interval = reaper_interval(interval_s)
        with self._lock:
            if self._thread is None:
                self.interval = interval
                self._thread = threading.Thread(target=self._loop, args=(first_pass_after_s,),
                                                name="roundtable-sandbox-reaper", daemon=True)
                self._thread.start()
            else:
                self.interval = min(self.interval, interval)
                self._wake.set()  # a new host in this process: clean up now too

    def _loop(self, first_pass_after_s: float) -> None:
        if first_pass_after_s > 0 and self._wake.wait(first_pass_after_s):  # another host asked for a pass now
            self._wake.clear()
        from components.coding.docker_engine import cleanup_leftover_containers

        while True:
            try:
                removed = cleanup_leftover_containers()
                if removed:
                    logger.info("removed %d sandbox container(s) whose process is gone", removed)
            except Exception:  # noqa: BLE001 - an engine hiccup must not end the reaper
                logger.warning("could not clean up leftover sandbox containers", exc_info=True)
            self.passes += 1
            self._wake.wait(self.interval)
            self._wake.clear()


_REAPER = _Reaper()


def start_sandbox_reaper(interval_s: float | None = None, first_pass_after_s: float = 0.0) -> None:
    """Remove containers of dead owners in the background: after ``first_pass_after_s`` seconds (now by
    default), then every ``interval_s`` seconds.

    Cheap when no Docker engine answers (each pass gives up within seconds) and safe to call again.
    """
    _REAPER.start(interval_s, first_pass_after_s)
