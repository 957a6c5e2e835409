"""Helpers for tests with real separate processes: the CLI as a subprocess, runs held by other processes."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from storage import Database
from storage.documents import TeamDocument
from storage.runs import get_run
from storage.validation import dump_document

ROOT = Path(__file__).resolve().parents[2]
LEASE_S = "5"  # short leases, so a killed process's runs are interrupted within seconds (not so short that a
# process starved of CPU on a loaded machine misses its heartbeats)


def cli_env(tmp_path: Path, url: str, **extra: str) -> dict[str, str]:
    return {**os.environ, "ROUNDTABLE_DATA_DIR": str(tmp_path / "data"), "OPENAI_API_KEY": "sk-test",
            "ROUNDTABLE_DATABASE_URL": url, "ROUNDTABLE_LEASE_S": LEASE_S, **extra}


def cli(tmp_path: Path, url: str, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """``python -m studio ARGS`` in its own process, to the end."""
    return subprocess.run([sys.executable, "-m", "studio", *args], cwd=ROOT, env=cli_env(tmp_path, url), text=True,
                          capture_output=True, timeout=timeout)


def team_file(tmp_path: Path, document: TeamDocument) -> Path:
    path = tmp_path / "team.json"
    path.write_text(dump_document(document))
    return path


def detach(tmp_path: Path, url: str, document: TeamDocument, task: str) -> int:
    """Start a run in a background process with ``run --detach --json``; returns its id."""
    done = cli(tmp_path, url, "run", "--team", str(team_file(tmp_path, document)), "--task", task,
               "--detach", "--json", "--input-timeout", "60")
    assert done.returncode == 0, done.stdout + done.stderr
    return int(json.loads(done.stdout.strip().splitlines()[-1])["id"])


def holder_pid(db: Database, run_id: int) -> int:
    worker = get_run(db, run_id).worker
    assert worker is not None, f"run {run_id} has no worker"
    return int(worker.rsplit(":", 2)[1])


def wait_status(db: Database, run_id: int, statuses: set[str], timeout: float = 30.0):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        run = get_run(db, run_id)
        if run.status in statuses:
            return run
        time.sleep(0.05)
    raise AssertionError(f"run {run_id} stayed {get_run(db, run_id).status}, expected {statuses}")


def wait_kind(db: Database, run_id: int, kind: str, timeout: float = 60.0) -> None:
    from storage.eventlog import events_after

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if any(e.kind == kind for e in events_after(db, run_id, 0)):
            return
        time.sleep(0.05)
    raise AssertionError(f"run {run_id} never stored a {kind} event")


def kill_quietly(pid: int) -> None:
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
