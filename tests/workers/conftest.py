"""Workers mode against the real PostgreSQL, with real ``python -m studio worker`` processes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from storage import Database, open_database
from studio.runs.engine import RunEngine
from tests.storage.conftest import postgres_admin, postgres_schema_url  # noqa: F401 - fixtures
from tests.studio_runs.processes import LEASE_S, cli_env

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def pg_url(postgres_admin) -> Iterator[str]:  # type: ignore[no-untyped-def]  # noqa: F811
    yield from postgres_schema_url(postgres_admin)


class Worker:
    """A ``python -m studio worker`` process; its output is collected in ``lines``."""

    def __init__(self, tmp_path: Path, url: str, concurrency: int) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "studio", "worker", "--concurrency", str(concurrency), "--input-timeout", "60"],
            cwd=ROOT, env=cli_env(tmp_path, url), text=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        )
        self.lines: list[str] = []
        self._ready = threading.Event()
        threading.Thread(target=self._read, daemon=True).start()
        if not self._ready.wait(120):  # it imports litellm before it takes runs
            self.kill()
            raise AssertionError("the worker did not start:\n" + "".join(self.lines))

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.append(line)
            if " takes runs from " in line:
                self.holder = line.split()[1]
                self._ready.set()

    def terminate(self, timeout: float = 20) -> int:
        self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout)

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)

    @property
    def output(self) -> str:
        return "".join(self.lines)


@pytest.fixture
def start_worker(tmp_path, pg_url) -> Iterator[Callable[..., Worker]]:  # type: ignore[no-untyped-def]
    started: list[Worker] = []

    def start(concurrency: int = 2) -> Worker:
        worker = Worker(tmp_path / f"worker{len(started)}", pg_url, concurrency)
        started.append(worker)
        return worker

    yield start
    for worker in started:
        worker.kill()


@pytest.fixture
def studio(tmp_path, pg_url, monkeypatch) -> Iterator[tuple[Database, RunEngine]]:  # type: ignore[no-untyped-def]
    """A studio process in workers mode: this test process (it enqueues, stops and answers)."""
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    db = open_database(pg_url)
    engine = RunEngine(db, tmp_path / "studio-data", lease_s=float(LEASE_S), mode="workers")
    yield db, engine
    engine.close()
    db.close()


def wait_until(check: Callable[[], object], timeout: float = 30.0, what: str = "condition") -> object:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"{what} not met within {timeout} s")


__all__ = ["Worker", "os", "wait_until"]
