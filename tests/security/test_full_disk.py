"""When the database stops accepting writes, the run stops at once and says why (security issue, hole 4).

The database lives on a real, small tmpfs that the test fills up mid-run (root is needed to mount it;
without root the test is skipped, and under CI=true it fails). The model is the scripted loopback server.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from components.llm.litellm_loader import get_litellm
from components.llm.scripted import say
from storage import DatabaseOpenError, open_database
from storage.eventlog import events_after
from storage.runs import get_run
from studio.runs.engine import RunEngine
from tests.studio_runs.conftest import coder_team
from tests.support.services import missing_service

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def small_disk(tmp_path) -> Iterator[Path]:  # type: ignore[no-untyped-def]
    mount = tmp_path / "disk"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs", str(mount)], capture_output=True, text=True)
    if done.returncode != 0:
        missing_service(f"a tmpfs mount for a small disk ({done.stderr.strip() or 'mount failed'}; needs root)")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def fill(disk: Path) -> Path:
    """Write a file until the disk is full; returns it (delete it to free the disk)."""
    filler = disk / "filler"
    chunk = b"\0" * 65536
    with filler.open("wb") as file, contextlib.suppress(OSError):
        while True:
            file.write(chunk)
            file.flush()
    return filler


def wait_for(check, timeout: float = 20.0):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not (value := check()):
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.05)
    return value


def test_a_failed_event_write_stops_the_run_and_it_reads_failed_once_writes_work(small_disk, tmp_path, llm) -> None:
    get_litellm()  # its first import takes seconds on a busy machine; not what this test is about
    db_file = small_disk / "roundtable.db"
    db = open_database(f"sqlite:///{db_file}")
    llm.default = lambda body: say("another step " + "x" * 2000, delay_s=0.3)  # a model that never stops
    engine = RunEngine(db, tmp_path / "data")
    run_id = engine.start(coder_team(llm.url), "keep going")
    wait_for(lambda: len(events_after(db, run_id)) >= 4, timeout=60)

    with sqlite3.connect(db_file) as side:  # empty the WAL file so the next append needs new disk space
        side.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    stored_before = len(events_after(db, run_id))
    filler = fill(small_disk)
    calls_at_fill = len(llm.requests)

    handle = engine.handle(run_id)
    assert wait_for(handle.done.is_set, timeout=15)
    assert handle.outcome == ("failed", "could not store the conversation: database or disk is full")
    assert len(llm.requests) <= calls_at_fill + 1, "the run kept calling the model after it could not store"
    assert len(events_after(db, run_id)) >= stored_before  # nothing recorded before was lost

    filler.unlink()  # the disk has room again: the run's status follows within a second or so
    run = wait_for(lambda: (r := get_run(db, run_id)).status == "failed" and r, timeout=10)
    assert run.error == "could not store the conversation: database or disk is full"
    kinds = [e.kind for e in events_after(db, run_id)]
    assert kinds[-1] == "error" and len(kinds) >= stored_before
    engine.close()
    db.close()


def test_opening_a_database_on_a_full_disk_is_a_clear_error(small_disk, tmp_path) -> None:
    filler = fill(small_disk)
    url = f"sqlite:///{small_disk / 'new.db'}"
    with pytest.raises(DatabaseOpenError) as raised:
        open_database(url)
    message = str(raised.value)
    assert "database or disk is full" in message and "The disk that holds it is full" in message

    env = {**os.environ, "ROUNDTABLE_DATA_DIR": str(tmp_path / "data"), "ROUNDTABLE_DATABASE_URL": url}
    done = subprocess.run([sys.executable, "-m", "studio", "run", "--team", "any", "--task", "x"],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 2 and "The disk that holds it is full" in done.stderr
    assert "Traceback" not in done.stderr
    filler.unlink()
