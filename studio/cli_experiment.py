"""``python -m studio experiment``: run a task set over teams x models, print the table, and exit 1 when
a required check failed (so it can gate a change).

    python -m studio experiment --team T [--team U] --tasks tasks.csv [--models a,b] [--agents coder]
        [--repeats 3] [--judge MODEL] [--concurrency N] [--json]

``--tasks`` is a CSV file (stored as the next version of the task set named by ``--set``, by default the
file's name, when its tasks changed) or the name of a stored task set (``name`` or ``name@version``).
Exit codes: 0 every run passed; 1 a run failed a required check or did not complete; 2 bad arguments,
or a team, model or task set that cannot be used; 130 stopped (Ctrl-C).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from studio.cli import EXIT_FAILED, EXIT_OK, EXIT_STOPPED, EXIT_USAGE


def add_parser(command) -> None:  # type: ignore[no-untyped-def]
    sub = command("experiment", "run a task set over teams x models and print the scores")
    sub.add_argument("--team", action="append", required=True,
                     help="a team's name in the database, or a team JSON file (repeatable)")
    sub.add_argument("--tasks", required=True, help="a tasks CSV file, or a stored task set (name or name@version)")
    sub.add_argument("--set", default=None, help="the task set's name for a CSV file (default: the file's name)")
    sub.add_argument("--models", default="", help="stored model names, comma separated: one column each")
    sub.add_argument("--agents", default="", help="only these agents' models are replaced (default: every agent's)")
    sub.add_argument("--repeats", type=int, default=1, help="runs of each task per column (default 1)")
    sub.add_argument("--judge", default=None, help="a stored model that scores judge checks")
    sub.add_argument("--pass-score", type=float, default=7, help="the least judge score (0-10) that passes")
    sub.add_argument("--concurrency", type=int, default=None, help="runs in flight at once (default 4 locally)")
    sub.add_argument("--name", default="", help="the experiment's name")
    sub.add_argument("--json", action="store_true", help="print the experiment as JSON after the table")


def _task_set(db, args: argparse.Namespace):  # type: ignore[no-untyped-def]
    from storage.experiments import get_task_set, save_task_set
    from studio.experiments.tasks_csv import parse_tasks_csv

    path = Path(args.tasks)
    if path.suffix.lower() == ".csv" or path.is_file():
        if not path.is_file():
            raise ValueError(f"there is no tasks file {path}")
        tasks = parse_tasks_csv(path.read_bytes(), source=str(path))
        return save_task_set(db, args.set or path.stem, tasks)
    name, _, version = args.tasks.partition("@")
    return get_task_set(db, name, int(version) if version.isdigit() else None)


def _teams(db, args: argparse.Namespace) -> list:  # type: ignore[no-untyped-def]
    from studio.cli import _load_team

    return [_load_team(db, team) if team.endswith(".json") else team for team in args.team]


def experiment_command(args: argparse.Namespace) -> int:
    from storage import StorageError, open_database
    from storage.database import data_dir
    from storage.experiments import create_experiment, experiment_cells
    from studio.cli import cli_actor
    from studio.experiments.plan import PlanError, plan_experiment
    from studio.experiments.results import export_json, print_table
    from studio.experiments.scheduler import ExperimentRunner
    from studio.experiments.tasks_csv import TaskCsvError
    from studio.runs.engine import RunEngine
    from studio.runs.mode import RunsModeError, runs_mode

    try:
        db = open_database(args.db)
        actor = cli_actor(db, args.user)
        task_set = _task_set(db, args)
        spec = plan_experiment(
            db, _teams(db, args), task_set, models=args.models.split(","), repeats=args.repeats,
            replace_agents=[a.strip() for a in args.agents.split(",") if a.strip()] or None, judge=args.judge,
            pass_score=args.pass_score, actor=actor)
        engine = RunEngine(db, data_dir(), role="cli", mode=runs_mode())
    except TaskCsvError as exc:
        print("error: the tasks cannot be used:\n" + "\n".join(f"  {p}" for p in exc.problems), file=sys.stderr)
        return EXIT_USAGE
    except (StorageError, PlanError, RunsModeError, ValueError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    try:
        experiment = create_experiment(db, args.name, spec, actor)
    except StorageError as exc:  # a viewer
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    total = len(experiment_cells(db, experiment.id))
    print(f"experiment #{experiment.id}: {len(task_set.tasks)} tasks of {task_set.name!r} v{task_set.version} x "
          f"{len(spec.columns())} columns x {spec.repeats} repeats = {total} runs (stored in {db.location})", flush=True)
    done = [0]

    def progress(cell, score) -> None:  # type: ignore[no-untyped-def]
        done[0] += 1
        print(f"[{done[0]}/{total}] task {cell.task_index + 1} · {spec.column_label(cell.column_index)} · repeat "
              f"{cell.repeat + 1}: {'passed' if score.passed else 'FAILED'} (run #{cell.run_id})", flush=True)

    runner = ExperimentRunner(db, engine, data_dir(), concurrency=args.concurrency, on_score=progress)
    try:
        try:
            experiment = runner.run(experiment.id)
        except KeyboardInterrupt:
            experiment = runner.stop(experiment.id)
    finally:
        engine.close("the terminal that ran the experiment exited")
    cells = experiment_cells(db, experiment.id)
    print()
    print(print_table(experiment, cells, task_set.tasks))
    if args.json:
        print(export_json(experiment, cells, task_set.tasks))
    failed = [c for c in cells if c.status == "scored" and not c.passed]
    if experiment.status != "completed":
        print(f"\nexperiment #{experiment.id}: {experiment.status}" + (f": {experiment.error}" if experiment.error else ""))
        return EXIT_STOPPED if experiment.status == "stopped" else EXIT_FAILED
    print(f"\nexperiment #{experiment.id}: {len(cells) - len(failed)} of {len(cells)} runs passed"
          + (f"; failed: {', '.join(f'run #{c.run_id}' for c in failed[:20])}" if failed else ""))
    return EXIT_FAILED if failed else EXIT_OK

