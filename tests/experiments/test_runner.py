"""Experiments end to end on the scripted model: real runs through the run engine, scored by every kind
of check, recorded for reproducibility, and stoppable."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from components.llm.scripted import fail, say
from storage import Database
from storage.designs import save_model
from storage.experiment_documents import CheckSpec, TaskSpec
from storage.experiments import (
    content_version,
    create_experiment,
    experiment_cells,
    get_experiment,
    request_experiment_stop,
    save_task_set,
)
from storage.runs import get_run, list_runs, run_snapshot
from studio.experiments.plan import column_document, plan_experiment
from studio.experiments.results import column_totals, compare_to_baseline, export_csv, print_table
from studio.experiments.scheduler import ExperimentRunner
from studio.runs.engine import RunEngine
from tests.experiments.conftest import model_spec

TASKS = [
    TaskSpec(text="What is the capital of France?",
             checks=[CheckSpec(kind="contains", value="paris"), CheckSpec(kind="judge", value="names the right city")]),
    TaskSpec(text="add 2 and 2", expected="4",
             checks=[CheckSpec(kind="equals"), CheckSpec(kind="regex", value=r"^\d+$", required=False)]),
    TaskSpec(text="write a file", checks=[CheckSpec(kind="code_ran"), CheckSpec(kind="file", value="*.txt")]),
]


def test_a_good_and_a_bad_model_over_every_kind_of_check(stored: Database, engine: RunEngine, tmp_path: Path,
                                                         scripted) -> None:  # type: ignore[no-untyped-def]
    task_set = save_task_set(stored, "basics", TASKS)
    spec = plan_experiment(stored, ["Solver"], task_set, models=["good", "bad"], judge="judge")
    experiment = create_experiment(stored, "good vs bad", spec)
    scored = []
    runner = ExperimentRunner(stored, engine, tmp_path / "data", concurrency=3,
                              on_score=lambda cell, score: scored.append((cell.id, cell.run_id, score.passed)))
    assert runner.run(experiment.id).status == "completed"

    cells = experiment_cells(stored, experiment.id)
    assert len(cells) == 6 and {c.status for c in cells} == {"scored"}
    assert sorted(scored) == sorted((c.id, c.run_id, c.passed) for c in cells)  # each score heard with its run
    by = {(c.task_index, c.column_index): c for c in cells}
    assert [by[t, 0].passed for t in range(3)] == [True, True, True]  # good
    assert [by[t, 1].passed for t in range(3)] == [False, False, False]  # bad

    reasons = {(t, col): [(r.kind, r.passed, r.reason) for r in by[t, col].score.checks] for t, col in by}
    assert reasons[0, 0] == [("contains", True, "the final answer contains 'paris'"),
                             ("judge", True, "9/10: names Paris")]
    assert reasons[0, 1] == [("contains", False, "the final answer does not contain 'paris'"),
                             ("judge", False, "2/10: wrong city")]
    assert reasons[1, 1][0] == ("equals", False, "expected '4', got '5'")
    assert reasons[1, 1][1][:2] == ("regex", True)  # optional, passed: the run still fails on equals
    assert reasons[2, 0] == [("code_ran", True, "1 execution(s), the last exited with 0"),
                             ("file", True, "made result.txt")]
    assert reasons[2, 1] == [("code_ran", False, "1 execution(s), the last exited with 3"),
                             ("file", False, "no file matching '*.txt' was made")]
    good = by[0, 0].score
    assert good.judge_score == 9 and good.judge_reason == "names Paris"
    assert good.final_answer == "The capital of France is Paris."
    assert good.figures.outcome == "completed" and good.figures.turns >= 2
    assert good.figures.prompt_tokens > 0 and good.figures.wall_s is not None

    # ordinary runs: in History, with the column's model in their snapshot
    runs = {r.id: r for r in list_runs(stored)}
    assert set(runs) == {c.run_id for c in cells}
    assert run_snapshot(stored, by[0, 1].run_id).agent("solver").model == "bad"
    assert run_snapshot(stored, by[0, 1].run_id).model("bad").model == "openai/bad"
    assert run_snapshot(stored, by[0, 0].run_id).agent("asker").model is None
    # what ran is recorded: team, model and task-set versions
    recorded = get_experiment(stored, experiment.id).spec
    assert (recorded.task_set, recorded.task_set_version) == ("basics", 1)
    assert recorded.teams[0].version == content_version(recorded.teams[0].document.model_dump(mode="json"))
    assert [m.name for m in recorded.models] == ["good", "bad"]
    assert recorded.models[1].version == content_version(model_spec("bad", scripted.url).model_dump(mode="json"))
    assert len(scripted.requests_for("judge")) == 2

    final = get_experiment(stored, experiment.id)
    totals = column_totals(final, cells)
    assert [(t.label, t.passed, t.scored) for t in totals] == [("Solver × good", 3, 3), ("Solver × bad", 0, 3)]
    assert [row["Solver × bad"] for row in compare_to_baseline(final, cells, TASKS, baseline=0)] == ["worse"] * 3
    table = print_table(final, cells, TASKS)
    assert "3/3" not in table and "1/1 passed" in table and "100%" in table and "0%" in table
    assert export_csv(final, cells, TASKS).count("\n") == 7


def test_a_run_that_fails_fails_its_cell(stored: Database, engine: RunEngine, tmp_path: Path, scripted) -> None:  # type: ignore[no-untyped-def]
    save_model(stored, model_spec("broken", scripted.url))
    scripted.respond("broken", lambda body: fail(500, "the provider is down"))
    task_set = save_task_set(stored, "plain", [TaskSpec(text="say anything")])  # no checks at all
    experiment = create_experiment(stored, "", plan_experiment(stored, ["Solver"], task_set, models=["broken"]))
    ExperimentRunner(stored, engine, tmp_path / "data").run(experiment.id)
    cell = experiment_cells(stored, experiment.id)[0]
    assert cell.passed is False
    assert cell.score.figures.outcome == "failed" and "provider is down" in (cell.score.figures.error or "")


def test_stopping_an_experiment_stops_its_runs(stored: Database, engine: RunEngine, tmp_path: Path, scripted) -> None:  # type: ignore[no-untyped-def]
    save_model(stored, model_spec("slow", scripted.url))
    scripted.respond("slow", lambda body: say("too late TERMINATE", delay_s=30))
    task_set = save_task_set(stored, "slow", [TaskSpec(text=f"task {i}") for i in range(4)])
    experiment = create_experiment(stored, "", plan_experiment(stored, ["Solver"], task_set, models=["slow"]))
    runner = ExperimentRunner(stored, engine, tmp_path / "data", concurrency=2)
    thread = threading.Thread(target=runner.run, args=(experiment.id,))
    thread.start()
    deadline = time.monotonic() + 30
    while sum(c.run_id is not None for c in experiment_cells(stored, experiment.id)) < 2:
        assert time.monotonic() < deadline, "the experiment did not start its runs"
        time.sleep(0.05)
    assert request_experiment_stop(stored, experiment.id)
    thread.join(25)
    assert not thread.is_alive(), "the scheduler did not end after the stop"
    cells = experiment_cells(stored, experiment.id)
    started = [c for c in cells if c.run_id is not None]
    assert len(started) == 2  # no run started after the stop
    assert {get_run(stored, c.run_id).status for c in started} == {"stopped"}
    assert {c.status for c in cells if c.run_id is None} == {"pending"}
    assert get_experiment(stored, experiment.id).status == "stopped"


def test_a_scheduler_started_again_picks_up_where_the_last_one_was(stored: Database, engine: RunEngine,
                                                                   tmp_path: Path) -> None:
    """The studio restarted mid-experiment: one cell's run was started (and ended meanwhile), the others
    never were. "Resume here" scores that run and starts only the cells left."""
    from storage.experiments import attach_run, claim_cell

    task_set = save_task_set(stored, "two", TASKS[1:3])
    experiment = create_experiment(stored, "", plan_experiment(stored, ["Solver"], task_set, models=["good"]))
    first = experiment_cells(stored, experiment.id)[0]
    assert claim_cell(stored, first.id)
    run_id = engine.start(column_document(get_experiment(stored, experiment.id).spec, 0), TASKS[1].text)
    attach_run(stored, first.id, run_id)
    assert engine.wait(run_id, 60)
    ExperimentRunner(stored, engine, tmp_path / "data").run(experiment.id)
    cells = experiment_cells(stored, experiment.id)
    assert cells[0].run_id == run_id and cells[0].passed is True  # scored, not run again
    assert cells[1].status == "scored" and cells[1].passed is True
    assert len(list_runs(stored)) == 2


def test_an_experiment_belongs_to_whoever_started_it(stored: Database, engine: RunEngine, tmp_path: Path,
                                                     scripted) -> None:  # type: ignore[no-untyped-def]
    """Sign-in (issue 13) on experiments: the experiment and its runs are the starter's; another person does
    not see them, cannot plan with a team they cannot see, and a viewer cannot start one."""
    import pytest

    from storage import NotFoundError
    from storage.errors import AccessError
    from storage.experiments import list_experiments
    from storage.people import set_role, sign_in
    from studio.experiments.plan import PlanError

    ada = sign_in(stored, "https://idp|ada", "ada@example.org", "Ada")  # the first to sign in: admin
    bob = sign_in(stored, "https://idp|bob", "bob@example.org", "Bob")
    scripted.respond("good", lambda body: say("Paris"))
    task_set = save_task_set(stored, "one", [TaskSpec(text="What is the capital of France?")])
    experiment = create_experiment(stored, "ada's", plan_experiment(stored, ["Solver"], task_set, actor=ada), ada)
    ExperimentRunner(stored, engine, tmp_path / "data").run(experiment.id)

    (cell,) = experiment_cells(stored, experiment.id)
    assert get_run(stored, cell.run_id).owner_id == ada.person_id
    assert [e.id for e in list_experiments(stored, actor=ada)] == [experiment.id]
    assert list_experiments(stored, actor=bob) == []
    with pytest.raises(NotFoundError):
        get_experiment(stored, experiment.id, bob)
    with pytest.raises(NotFoundError):
        get_run(stored, cell.run_id, bob)
    with pytest.raises(PlanError, match="Solver"):
        plan_experiment(stored, ["Solver"], task_set, actor=bob)  # the local admin's team, not shared
    set_role(stored, ada, bob.person_id, "viewer")
    viewer = sign_in(stored, "https://idp|bob", "bob@example.org", "Bob")
    with pytest.raises(AccessError, match="viewers cannot start runs"):
        create_experiment(stored, "bob's", plan_experiment(stored, ["Solver"], task_set), viewer)
