"""Who drives a run: an owner string per process, and whether that process still lives.

An owner is ``host:pid:start`` where ``start`` is the process start time from /proc (so a recycled pid
is not mistaken for the old process). Only processes on this host can be checked; a run owned by
another host is left alone.
"""

from __future__ import annotations

import os
import socket


def _proc_stat(pid: int) -> tuple[str, str] | None:
    """(state, start time) of a process from /proc, or None where /proc is absent or the pid is gone."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as file:
            fields = file.read().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return fields[0], fields[19]


def current_owner() -> str:
    """This process, as stored in ``runs.owner``."""
    pid = os.getpid()
    stat = _proc_stat(pid)
    return f"{socket.gethostname()}:{pid}:{stat[1] if stat else ''}"


def owner_alive(owner: str | None) -> bool | None:
    """True if the owning process runs, False if it is gone, None if it lives on another host."""
    if not owner:
        return False
    parts = owner.rsplit(":", 2)
    if len(parts) != 3:
        return False
    host, pid_text, start = parts
    if host != socket.gethostname():
        return None
    try:
        pid = int(pid_text)
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # exists, owned by another user
    except ValueError:
        return False
    stat = _proc_stat(pid)
    if stat is None:
        return not os.path.isdir("/proc")  # no /proc: trust the signal check
    state, started = stat
    return state not in ("Z", "X") and (not start or started == start)
