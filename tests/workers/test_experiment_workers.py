"""An experiment in workers mode: its runs are queued and spread over two real worker processes, and
the scheduler here scores them, files made on a worker's host included (known from the events)."""

from __future__ import annotations

from components.llm.scripted import say
from storage.experiment_documents import CheckSpec, TaskSpec
from storage.experiments import create_experiment, experiment_cells, save_task_set
from storage.runs import get_run
from studio.experiments.plan import plan_experiment
from studio.experiments.scheduler import ExperimentRunner
from tests.experiments.conftest import good, team_document
from tests.storage.helpers import store_document
from tests.studio_runs.processes import cli_env
from tests.workers import conftest as worker_fixtures


def test_an_experiment_spreads_over_two_workers(studio, start_worker, llm, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    # The process tests' short lease is too short here: a worker's first run imports litellm, which
    # stalled a busy 2-core machine's heartbeat past a 2 s lease, and the run was (rightly) interrupted.
    monkeypatch.setattr(worker_fixtures, "cli_env",
                        lambda tmp, url, **extra: cli_env(tmp, url, **{"ROUNDTABLE_LEASE_S": "15", **extra}))
    db, engine = studio
    first, second = start_worker(concurrency=1), start_worker(concurrency=1)
    llm.respond("good", lambda body: (step := good(body)) and say(step.content or "", delay_s=0.5))
    store_document(db, team_document(llm.url))
    task_set = save_task_set(db, "files", [
        TaskSpec(text="write a file", checks=[CheckSpec(kind="code_ran"), CheckSpec(kind="file", value="result.txt")]),
        TaskSpec(text="What is the capital of France?", checks=[CheckSpec(kind="contains", value="Paris")]),
    ])
    experiment = create_experiment(db, "", plan_experiment(db, ["Solver"], task_set, repeats=2))
    done = ExperimentRunner(db, engine, tmp_path / "scorer-data").run(experiment.id)
    assert done.status == "completed", done.error
    cells = experiment_cells(db, experiment.id)
    assert [c.passed for c in cells] == [True] * 4, [c.score.figures if c.score else None for c in cells]
    file_checks = [r.reason for c in cells for r in c.score.checks if r.kind == "file"]
    assert file_checks == ["made result.txt"] * 2  # the file is on a worker's host: known from the events
    assert not (tmp_path / "scorer-data").exists() or not any((tmp_path / "scorer-data").rglob("result.txt"))
    workers = {get_run(db, c.run_id).worker for c in cells}
    assert workers == {first.holder, second.holder}, (first.output, second.output)
