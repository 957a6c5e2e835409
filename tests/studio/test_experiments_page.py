"""The Experiments page, headless (AppTest): a finished experiment's matrix links every run to its
replay, totals and the baseline comparison; task sets are saved as new versions."""

from __future__ import annotations

from pathlib import Path

from components.llm.scripted import ScriptedLLMServer
from storage import Database
from storage.designs import save_model
from storage.experiment_documents import CheckSpec, TaskSpec
from storage.experiments import create_experiment, experiment_cells, get_task_set, save_task_set
from studio.experiments.plan import plan_experiment
from studio.experiments.scheduler import ExperimentRunner
from studio.runs.engine import RunEngine
from tests.experiments.conftest import bad, good, model_spec, team_document
from tests.storage.helpers import store_document
from tests.studio.helpers import no_errors, texts


def _finished_experiment(db: Database, llm: ScriptedLLMServer, data_dir: Path) -> int:
    llm.respond("good", good)
    llm.respond("bad", bad)
    store_document(db, team_document(llm.url, code=False))
    save_model(db, model_spec("bad", llm.url))
    task_set = save_task_set(db, "basics", [
        TaskSpec(text="What is the capital of France? | <b>bold</b>", checks=[CheckSpec(kind="contains", value="Paris")])])
    experiment = create_experiment(db, "good vs bad", plan_experiment(db, ["Solver"], task_set, models=["good", "bad"]))
    engine = RunEngine(db, data_dir)
    try:
        ExperimentRunner(db, engine, data_dir).run(experiment.id)
    finally:
        engine.close()
    return experiment.id


def test_results_link_each_run_to_its_replay(page, studio_db: Database, llm: ScriptedLLMServer, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    experiment_id = _finished_experiment(studio_db, llm, tmp_path / "data")
    cells = {c.column_index: c for c in experiment_cells(studio_db, experiment_id)}
    at = page("experiments")
    no_errors(at)
    shown = texts(at)
    assert "Solver × good" in shown and "Solver × bad" in shown
    assert f":green[:material/check_circle:] [#{cells[0].run_id}](" in shown
    assert f"replay?run={cells[0].run_id})" in shown
    assert f":red[:material/cancel:] [#{cells[1].run_id}](" in shown
    assert "\\|" in shown and "<b>" not in shown  # the task text cannot break the table or inject HTML
    totals = at.dataframe[0].value
    assert list(totals["success rate"]) == ["100%", "0%"]
    compare = at.dataframe[1].value
    assert list(compare["Solver × bad"]) == ["worse"]
    # two runs side by side: the good model's transcript on the left, the bad one's on the right
    assert at.selectbox(key="experiments.results.side.left").value.run_id == cells[0].run_id
    assert at.selectbox(key="experiments.results.side.right").value.run_id == cells[1].run_id
    assert "The capital of France is Paris." in shown and "The capital of France is Lyon." in shown


def test_a_task_set_saved_again_with_changes_is_a_new_version(page, studio_db: Database) -> None:  # type: ignore[no-untyped-def]
    save_task_set(studio_db, "basics", [TaskSpec(text="one")])
    at = page("experiments")
    at.selectbox(key="experiments.set").select("basics").run()
    no_errors(at)
    assert "Version 1 of 1" in texts(at)
    at.button(key="experiments.save_set").click().run()
    no_errors(at)
    assert 'Saved "basics" version 1' in texts(at)  # nothing changed: the same version
    assert get_task_set(studio_db, "basics").version == 1
