"""A sandbox container whose process was killed with ``kill -9`` is removed by the processes that host
runs: periodically, and when one starts (issue 11, item 10). Real CLI runs, a real Docker engine."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from components.coding.docker_engine import (
    LABEL,
    LABEL_HOST,
    LABEL_PID,
    LABEL_STARTED,
    _hostname,
    _process_started,
)
from components.coding.sandbox_reaper import REAPER_INTERVAL_ENV, start_sandbox_reaper
from components.llm.scripted import hang
from storage import open_database
from storage.eventlog import events_after
from storage.runs import list_runs
from storage.validation import dump_document
from tests.security.helpers import docker_team

ROOT = Path(__file__).resolve().parents[2]
SLOW_BLOCK = "```sh\necho started\nsleep 300\n```"


def _cli(tmp_path: Path, team: Path, task: str, **env: str) -> subprocess.Popen[str]:
    environment = {**os.environ, "ROUNDTABLE_DATA_DIR": str(tmp_path / "data"), "OPENAI_API_KEY": "sk-test",
                   "ROUNDTABLE_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}", **env}
    return subprocess.Popen(
        [sys.executable, "-m", "studio", "run", "--team", str(team), "--task", task], cwd=ROOT, env=environment,
        text=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )


def _containers_of(client, pid: int) -> list[str]:  # type: ignore[no-untyped-def]
    """Ids of the sandbox containers ``pid`` started (the plain list: a reaper may remove one meanwhile)."""
    return [c["Id"] for c in client.api.containers(all=True, filters={"label": [LABEL, f"{LABEL_PID}={pid}"]})]


def _wait(check, seconds: float, what: str) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} within {seconds:g} s")
        time.sleep(0.2)


def test_the_container_of_a_cli_run_killed_mid_block_is_removed(tmp_path, llm, sandbox_image, docker_client) -> None:  # type: ignore[no-untyped-def]
    start_sandbox_reaper(interval_s=2)  # this test process hosts runs too: its reaper passes every 2 s
    team = tmp_path / "team.json"
    team.write_text(dump_document(docker_team(llm.url, sandbox_image)))
    llm.script("writer", [SLOW_BLOCK, hang(300)])
    cli = _cli(tmp_path, team, "run the slow block", **{REAPER_INTERVAL_ENV: "3600"})
    db = open_database(f"sqlite:///{tmp_path / 'cli.db'}")

    def block_running() -> bool:
        runs = list_runs(db)
        started = runs and any(e.kind == "code_started" for e in events_after(db, runs[0].id, 0))
        return bool(started and _containers_of(docker_client, cli.pid))

    _wait(block_running, 120, "the CLI's code block did not start in a container")
    time.sleep(1.0)  # the block is sleeping inside its container now
    cli.send_signal(signal.SIGKILL)
    cli.wait(timeout=10)
    # Docker itself never removes it (before the fix it ran until a later process started a container).
    _wait(lambda: not _containers_of(docker_client, cli.pid), 20, "the dead CLI's container was not removed")
    db.close()


def test_a_process_that_starts_removes_containers_of_dead_owners(tmp_path, llm, sandbox_image, docker_client) -> None:  # type: ignore[no-untyped-def]
    gone = subprocess.Popen(["sleep", "5"])
    labels = {LABEL: "1", LABEL_HOST: _hostname(), LABEL_PID: str(gone.pid), LABEL_STARTED: _process_started(gone.pid)}
    gone.kill()
    gone.wait()
    leftover = docker_client.containers.run(
        sandbox_image, ["sleep", "300"], detach=True, labels=labels, network_mode="none",
    )
    try:
        team = tmp_path / "team.json"
        team.write_text(dump_document(docker_team(llm.url, sandbox_image)))
        llm.script("writer", ["TERMINATE"])
        cli = _cli(tmp_path, team, "nothing to run", **{REAPER_INTERVAL_ENV: "3600"})
        _wait(lambda: not _containers_of(docker_client, gone.pid), 60, "a starting CLI did not remove the leftover")
        output, _ = cli.communicate(timeout=60)
        assert cli.returncode == 0, output
    finally:
        try:
            leftover.remove(force=True)
        except Exception:  # noqa: BLE001 - removed already, as it should be
            pass
