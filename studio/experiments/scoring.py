"""Scoring one finished run: its checks (with reasons), its measured figures, and the judge's verdict.

Used by the scheduler as each run ends, for the page and the CLI alike; reads only what is stored (the
events, the run row) plus the run's folder when the run executed on this host.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from storage import Database
from storage.documents import ModelSpec
from storage.eventlog import events_after
from storage.experiment_documents import CheckResult, RunFigures, RunScore, TaskSpec
from storage.runs import get_run
from studio.experiments.checks import Outcome, outcome_of, run_check
from studio.experiments.judge import Verdict, ask_judge
from studio.runs.files import run_folder

MAX_FOLDER_FILES = 10_000
ANSWER_SHOWN = 2_000


@dataclass(frozen=True)
class Judge:
    """The judge model of an experiment, with its key resolved."""

    model: ModelSpec
    api_key: str | None
    pass_score: float = 7


def folder_files(data_dir: Path, run_id: int) -> list[str]:
    """Files in the run's folder (relative, links not followed); empty if it is not on this host."""
    root = run_folder(data_dir, run_id)
    found: list[str] = []
    for here, dirs, files in os.walk(root, followlinks=False):
        dirs[:] = [d for d in dirs if not os.path.islink(os.path.join(here, d))]
        for name in files:
            path = Path(here, name)
            if not path.is_symlink():
                found.append(path.relative_to(root).as_posix())
            if len(found) >= MAX_FOLDER_FILES:
                return found
    return found


def figures_of(db: Database, run_id: int, turns: int) -> RunFigures:
    run = get_run(db, run_id)
    costs = [u.cost for u in run.usage if u.cost is not None]
    wall = run.finished_at - run.started_at if run.finished_at and run.started_at else None
    return RunFigures(
        outcome=run.status, turns=turns, prompt_tokens=sum(u.prompt_tokens for u in run.usage),
        completion_tokens=sum(u.completion_tokens for u in run.usage), cost=sum(costs) if costs else None,
        wall_s=wall, error=run.error,
    )


def score_run(db: Database, run_id: int, task: TaskSpec, data_dir: Path, judge: Judge | None = None) -> RunScore:
    """The run's score. It passes when it completed and every required check passed."""
    events = [stored.event for stored in events_after(db, run_id, 0)]
    outcome = outcome_of(events, folder_files(data_dir, run_id))
    figures = figures_of(db, run_id, sum(1 for e in events if e.kind == "message"))
    results: list[CheckResult] = []
    verdict: Verdict | None = None
    for check in task.checks:
        if check.kind != "judge":
            results.append(run_check(check, task, outcome))
            continue
        verdict = _judge(judge, task, outcome, check.value)
        passed = verdict.score is not None and judge is not None and verdict.score >= judge.pass_score
        reason = verdict.reason if verdict.score is None else f"{verdict.score:g}/10: {verdict.reason}"
        results.append(CheckResult(kind="judge", label=check.label, required=check.required, passed=passed,
                                   reason=reason))
    passed = figures.outcome == "completed" and all(r.passed for r in results if r.required)
    return RunScore(
        passed=passed, final_answer=outcome.final_answer[:ANSWER_SHOWN], checks=results, figures=figures,
        judge_score=verdict.score if verdict else None, judge_reason=verdict.reason if verdict else None,
    )


def _judge(judge: Judge | None, task: TaskSpec, outcome: Outcome, criteria: str) -> Verdict:
    if judge is None:
        return Verdict(None, "no judge model was chosen for this experiment")
    return ask_judge(judge.model, judge.api_key, task.text, outcome.final_answer, criteria, task.expected)
