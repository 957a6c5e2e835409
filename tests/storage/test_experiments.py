"""Task sets and experiments in storage, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from storage import Database, InUseError, NotFoundError
from storage.experiment_documents import (
    CheckSpec,
    ExperimentSpec,
    ExperimentTeam,
    RunFigures,
    RunScore,
    TaskSpec,
)
from storage.experiments import (
    attach_run,
    claim_cell,
    content_version,
    create_experiment,
    delete_experiment,
    experiment_cells,
    get_experiment,
    get_task_set,
    list_experiments,
    list_task_sets,
    record_score,
    request_experiment_stop,
    run_statuses,
    save_task_set,
    set_experiment_status,
    task_set_versions,
)
from storage.runs import create_run, delete_run
from tests.storage.helpers import sample_document

TASKS = [TaskSpec(text="capital of France?", checks=[CheckSpec(kind="contains", value="Paris")]),
         TaskSpec(text="2+2", expected="4", checks=[CheckSpec(kind="equals", required=False)])]


def _spec(db: Database, repeats: int = 2) -> ExperimentSpec:
    document = sample_document()
    return ExperimentSpec(
        teams=[ExperimentTeam(name="Research", version=content_version(document.model_dump(mode="json")),
                              document=document)],
        task_set="basics", task_set_version=get_task_set(db, "basics").version, repeats=repeats,
    )


def test_task_sets_are_versioned_and_never_changed(db: Database) -> None:
    first = save_task_set(db, "basics", TASKS)
    assert (first.name, first.version) == ("basics", 1)
    assert save_task_set(db, "basics", list(TASKS)).id == first.id  # the same tasks store nothing new
    edited = save_task_set(db, "basics", [*TASKS, TaskSpec(text="third")])
    assert edited.version == 2
    assert get_task_set(db, "basics", 1).tasks == TASKS  # version 1 is as it was
    assert len(get_task_set(db, "basics").tasks) == 3
    assert task_set_versions(db, "basics") == [1, 2]
    save_task_set(db, "another", TASKS[:1])
    assert [(t.name, t.version) for t in list_task_sets(db)] == [("another", 1), ("basics", 2)]
    with pytest.raises(NotFoundError, match='no task set named "basics" version 7'):
        get_task_set(db, "basics", 7)
    with pytest.raises(ValueError, match="no tasks"):
        save_task_set(db, "empty", [])


def test_an_experiment_has_one_cell_per_task_column_and_repeat(db: Database) -> None:
    save_task_set(db, "basics", TASKS)
    experiment = create_experiment(db, "first", _spec(db, repeats=3))
    assert get_experiment(db, experiment.id).spec.teams[0].document == sample_document()
    cells = experiment_cells(db, experiment.id)
    assert [(c.task_index, c.column_index, c.repeat) for c in cells] == [
        (t, 0, r) for t in range(2) for r in range(3)]
    assert {c.status for c in cells} == {"pending"}
    assert [e.id for e in list_experiments(db)] == [experiment.id]


def test_a_cell_is_claimed_once_and_keeps_its_score(db: Database) -> None:
    save_task_set(db, "basics", TASKS)
    experiment = create_experiment(db, "", _spec(db))
    cell = experiment_cells(db, experiment.id)[0]
    assert claim_cell(db, cell.id) and not claim_cell(db, cell.id)
    run_id = create_run(db, sample_document(), TASKS[0].text)
    attach_run(db, cell.id, run_id)
    score = RunScore(passed=True, final_answer="Paris", figures=RunFigures(outcome="completed", turns=2, cost=0.5))
    record_score(db, cell.id, score)
    stored = experiment_cells(db, experiment.id)[0]
    assert (stored.run_id, stored.status, stored.passed, stored.score) == (run_id, "scored", True, score)
    assert run_statuses(db, [run_id, run_id + 99]) == {run_id: "created"}
    delete_run(db, run_id)  # the run goes from History: the cell keeps its score
    assert run_statuses(db, [run_id]) == {}
    assert experiment_cells(db, experiment.id)[0].run_id is None
    assert experiment_cells(db, experiment.id)[0].score == score


def test_stop_and_delete(db: Database) -> None:
    save_task_set(db, "basics", TASKS)
    experiment = create_experiment(db, "", _spec(db))
    set_experiment_status(db, experiment.id, "running")
    with pytest.raises(InUseError, match="still running"):
        delete_experiment(db, experiment.id)
    assert request_experiment_stop(db, experiment.id)
    assert not request_experiment_stop(db, experiment.id)
    assert get_experiment(db, experiment.id).status == "stopped"
    delete_experiment(db, experiment.id)
    assert experiment_cells(db, experiment.id) == []
    with pytest.raises(NotFoundError):
        get_experiment(db, experiment.id)


def test_checks_refuse_what_cannot_be_checked() -> None:
    with pytest.raises(ValueError, match="contains check needs a value"):
        CheckSpec(kind="contains")
    with pytest.raises(ValueError, match="equals check needs an expected answer"):
        TaskSpec(text="x", checks=[CheckSpec(kind="equals")])
