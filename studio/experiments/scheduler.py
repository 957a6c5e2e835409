"""Running an experiment: a small scheduler that starts each cell's run through the run engine (the
same way the Playground starts one) and scores each run when it ends.

At most ``concurrency`` of its runs are in flight at once. Locally they are threads of this process;
with ``ROUNDTABLE_RUNS=workers`` the engine queues them and the workers spread them out (the bound then
only limits how far ahead of the workers the queue is filled). Stopping an experiment is stored
(``request_experiment_stop``), so any process can ask; the scheduler then stops its runs in flight.
A scheduler started again on an experiment that was interrupted picks up where it was: cells already
claimed keep their runs, and runs that ended meanwhile are scored.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path

from storage import Database
from storage.documents import FINISHED_STATUSES, ModelSpec
from storage.experiment_documents import CellInfo, ExperimentInfo, RunFigures, RunScore, TaskSpec
from storage.experiments import (
    attach_run,
    claim_cell,
    experiment_cells,
    get_experiment,
    get_task_set,
    record_score,
    request_experiment_stop,
    run_statuses,
    set_experiment_status,
)
from storage.people import person
from storage.secrets import resolve_api_key
from studio.experiments.plan import column_document
from studio.experiments.scoring import Judge, score_run
from studio.runs.engine import RunEngine
from studio.runs.service import start_document_run

logger = logging.getLogger(__name__)
LOCAL_CONCURRENCY = 4
WORKERS_CONCURRENCY = 32
STOP_WAIT_S = 15.0


class ExperimentRunner:
    """Runs the cells of experiments through ``engine`` and scores them; ``on_score`` hears each score."""

    def __init__(self, db: Database, engine: RunEngine, data_dir: Path, *, concurrency: int | None = None,
                 poll_s: float = 0.1, on_score: Callable[[CellInfo, RunScore], None] | None = None) -> None:
        self.db, self.engine, self.data_dir = db, engine, Path(data_dir)
        default = WORKERS_CONCURRENCY if engine.mode == "workers" else LOCAL_CONCURRENCY
        self.concurrency = max(1, concurrency or default)
        self.poll_s = poll_s
        self.on_score = on_score

    def start(self, experiment_id: int) -> threading.Thread:
        """Run the experiment in a background thread (the studio's way)."""
        thread = threading.Thread(target=self.run, args=(experiment_id,), name=f"roundtable-experiment-{experiment_id}",
                                  daemon=True)
        thread.start()
        return thread

    def run(self, experiment_id: int) -> ExperimentInfo:
        """Run every pending cell and score every run; returns the experiment as it ended."""
        try:
            self._run(experiment_id)
        except Exception as exc:
            logger.exception("experiment %s failed", experiment_id)
            set_experiment_status(self.db, experiment_id, "failed", f"{type(exc).__name__}: {exc}")
        return get_experiment(self.db, experiment_id)

    def _run(self, experiment_id: int) -> None:
        experiment = get_experiment(self.db, experiment_id)
        if experiment.status in ("completed", "stopped", "failed"):
            return
        set_experiment_status(self.db, experiment_id, "running")
        spec = experiment.spec
        tasks = get_task_set(self.db, spec.task_set, spec.task_set_version).tasks
        judge = self._judge(experiment)
        cells = experiment_cells(self.db, experiment_id)
        pending = [c for c in cells if c.status == "pending"]
        in_flight = {c.run_id: c for c in cells if c.status == "running" and c.run_id is not None}
        documents = {}
        owner = person(self.db, experiment.owner_id) if experiment.owner_id is not None else None
        while pending or in_flight:
            if get_experiment(self.db, experiment_id).status == "stopped":
                self._stop(in_flight, tasks, judge)
                return
            while pending and len(in_flight) < self.concurrency:
                cell = pending.pop(0)
                if not claim_cell(self.db, cell.id):
                    continue  # another scheduler took it
                if cell.column_index not in documents:
                    documents[cell.column_index] = column_document(spec, cell.column_index)
                document = documents[cell.column_index]
                run_id = start_document_run(
                    self.db, self.engine, document, tasks[cell.task_index].text, owner,
                    note=f"Experiment #{experiment_id} ({experiment.name}): task {cell.task_index + 1}, "
                         f"{spec.column_label(cell.column_index)}, repeat {cell.repeat + 1}.",
                )
                attach_run(self.db, cell.id, run_id)
                in_flight[run_id] = cell.model_copy(update={"run_id": run_id, "status": "running"})
            self._score_finished(in_flight, tasks, judge)
            time.sleep(self.poll_s)
        set_experiment_status(self.db, experiment_id, "completed")

    def stop(self, experiment_id: int) -> ExperimentInfo:
        """Stop an experiment from this process: no more runs start, its runs in flight are stopped."""
        request_experiment_stop(self.db, experiment_id)
        experiment = get_experiment(self.db, experiment_id)
        tasks = get_task_set(self.db, experiment.spec.task_set, experiment.spec.task_set_version).tasks
        cells = experiment_cells(self.db, experiment_id)
        self._stop({c.run_id: c for c in cells if c.status == "running" and c.run_id is not None}, tasks,
                   self._judge(experiment))
        return get_experiment(self.db, experiment_id)

    def _judge(self, experiment: ExperimentInfo) -> Judge | None:
        if experiment.spec.judge is None:
            return None
        model = ModelSpec.model_validate(experiment.spec.judge.spec)
        return Judge(model, resolve_api_key(self.db, model, owner_id=experiment.owner_id),
                     experiment.spec.judge.pass_score)

    def _score_finished(self, in_flight: dict[int, CellInfo], tasks: list[TaskSpec], judge: Judge | None) -> None:
        statuses = run_statuses(self.db, list(in_flight))
        for run_id, cell in list(in_flight.items()):
            status = statuses.get(run_id)
            if status is None:
                self._record(cell, RunScore(passed=False, figures=RunFigures(
                    outcome="failed", error=f"run {run_id} was deleted before it was scored")))
                del in_flight[run_id]
            elif status in FINISHED_STATUSES:
                self._record(cell, score_run(self.db, run_id, tasks[cell.task_index], self.data_dir, judge))
                del in_flight[run_id]

    def _record(self, cell: CellInfo, score: RunScore) -> None:
        record_score(self.db, cell.id, score)
        if self.on_score is not None:
            self.on_score(cell, score)

    def _stop(self, in_flight: dict[int, CellInfo], tasks: list[TaskSpec], judge: Judge | None) -> None:
        for run_id in in_flight:
            self.engine.stop(run_id, "its experiment was stopped")
        deadline = time.monotonic() + STOP_WAIT_S
        while in_flight and time.monotonic() < deadline:
            self._score_finished(in_flight, tasks, judge)
            time.sleep(self.poll_s)
