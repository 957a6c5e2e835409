"""``python -m studio experiment`` as a real subprocess: the table, and exit codes that gate a change."""

from __future__ import annotations

import json
from pathlib import Path

from storage import Database
from storage.experiments import experiment_cells, list_experiments, list_task_sets
from storage.runs import list_runs
from tests.studio_runs.processes import cli

CSV = ("task,expected,contains,equals\n"
       "What is the capital of France?,,Paris,\n"
       "add 2 and 2,4,,yes\n")


def _url(db: Database) -> str:
    return str(db.engine.url)


def test_all_checks_pass_exit_0_and_a_failed_required_check_exits_1(stored: Database, tmp_path: Path) -> None:
    tasks = tmp_path / "basics.csv"
    tasks.write_text(CSV)
    done = cli(tmp_path, _url(stored), "experiment", "--team", "Solver", "--tasks", str(tasks), "--models", "good",
               "--repeats", "2")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Solver × good" in done.stdout and "2/2 passed" in done.stdout and "100%" in done.stdout
    assert "4 of 4 runs passed" in done.stdout
    assert done.stdout.count(": passed (run #") == 4 and "run #None" not in done.stdout

    done = cli(tmp_path, _url(stored), "experiment", "--team", "Solver", "--tasks", str(tasks), "--models", "good,bad",
               "--json")
    assert done.returncode == 1, done.stdout + done.stderr
    assert "Solver × bad" in done.stdout and "0/1 passed" in done.stdout
    exported = json.loads(done.stdout[done.stdout.index("\n{") + 1:done.stdout.rindex("}") + 1])
    assert exported["experiment"]["spec"]["task_set_version"] == 1  # the same CSV: the same version
    assert [c["passed"] for c in exported["cells"]] == [True, False, True, False]
    assert [s.version for s in list_task_sets(stored)] == [1]
    assert len(list_experiments(stored)) == 2
    latest = list_experiments(stored)[0]
    assert {r.id for r in list_runs(stored)} >= {c.run_id for c in experiment_cells(stored, latest.id)}


def test_bad_input_exits_2_with_the_reason(stored: Database, tmp_path: Path) -> None:
    tasks = tmp_path / "bad.csv"
    tasks.write_text("task,equals\n\"  \",no\nadd,yes\n")
    done = cli(tmp_path, _url(stored), "experiment", "--team", "Solver", "--tasks", str(tasks))
    assert done.returncode == 2
    assert "row 2: the task is empty" in done.stderr
    assert "row 3: equals is yes but the expected column is empty" in done.stderr
    assert "Traceback" not in done.stderr

    tasks.write_text(CSV)
    done = cli(tmp_path, _url(stored), "experiment", "--team", "Solver", "--tasks", str(tasks), "--models", "nope")
    assert done.returncode == 2 and 'there is no model named "nope"' in done.stderr
    done = cli(tmp_path, _url(stored), "experiment", "--team", "Solver", "--tasks", str(tmp_path / "missing.csv"))
    assert done.returncode == 2 and "there is no tasks file" in done.stderr
    done = cli(tmp_path, _url(stored), "experiment", "--team", "Nobody", "--tasks", str(tasks))
    assert done.returncode == 2 and "Nobody" in done.stderr and "Traceback" not in done.stderr
