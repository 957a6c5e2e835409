"""Reading an experiment's results: the matrix (rows tasks, columns team x model), totals per column,
a comparison with a baseline column, and the CSV and JSON exports. No Streamlit: the page and the CLI
both use it."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from statistics import mean
from typing import Any

from storage.experiment_documents import CellInfo, ExperimentInfo, TaskSpec

EXPERIMENT_FORMAT = "roundtable.experiment"
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class ColumnTotals:
    label: str
    runs: int
    scored: int
    passed: int
    cost: float | None
    mean_wall_s: float | None
    tokens: int

    @property
    def success_rate(self) -> float | None:
        return self.passed / self.scored if self.scored else None


def cells_at(cells: list[CellInfo], task: int, column: int) -> list[CellInfo]:
    return [c for c in cells if c.task_index == task and c.column_index == column]


def cell_summary(cells: list[CellInfo]) -> str:
    """A matrix cell: "2/3 passed", "running 1/3", or "pending"."""
    scored = [c for c in cells if c.status == "scored"]
    if not scored:
        return "running" if any(c.status == "running" for c in cells) else "pending"
    passed = sum(1 for c in scored if c.passed)
    text = f"{passed}/{len(cells)} passed"
    return text if len(scored) == len(cells) else f"{text} ({len(cells) - len(scored)} to go)"


def pass_rate(cells: list[CellInfo]) -> float | None:
    scored = [c for c in cells if c.status == "scored"]
    return sum(1 for c in scored if c.passed) / len(scored) if scored else None


def column_totals(experiment: ExperimentInfo, cells: list[CellInfo]) -> list[ColumnTotals]:
    totals = []
    for index in range(len(experiment.spec.columns())):
        mine = [c for c in cells if c.column_index == index]
        scores = [c.score for c in mine if c.score is not None]
        costs = [s.figures.cost for s in scores if s.figures.cost is not None]
        walls = [s.figures.wall_s for s in scores if s.figures.wall_s is not None]
        totals.append(ColumnTotals(
            label=experiment.spec.column_label(index), runs=len(mine), scored=len(scores),
            passed=sum(1 for s in scores if s.passed), cost=sum(costs) if costs else None,
            mean_wall_s=mean(walls) if walls else None,
            tokens=sum(s.figures.prompt_tokens + s.figures.completion_tokens for s in scores),
        ))
    return totals


def compare_to_baseline(experiment: ExperimentInfo, cells: list[CellInfo], tasks: list[TaskSpec],
                        baseline: int) -> list[dict[str, Any]]:
    """Per task and column: "better", "worse" or "same" pass rate than the baseline column (None while
    either side has no score)."""
    rows = []
    for task_index, task in enumerate(tasks):
        base = pass_rate(cells_at(cells, task_index, baseline))
        row: dict[str, Any] = {"task": task_index + 1, "text": task.text}
        for column in range(len(experiment.spec.columns())):
            if column == baseline:
                continue
            rate = pass_rate(cells_at(cells, task_index, column))
            verdict = None
            if rate is not None and base is not None:
                verdict = "better" if rate > base else "worse" if rate < base else "same"
            row[experiment.spec.column_label(column)] = verdict
        rows.append(row)
    return rows


def print_table(experiment: ExperimentInfo, cells: list[CellInfo], tasks: list[TaskSpec]) -> str:
    """The matrix and the totals as plain text (the CLI's output)."""
    labels = [experiment.spec.column_label(i) for i in range(len(experiment.spec.columns()))]
    header = ["task"] + labels
    rows = [[f"{i + 1}. {_one_line(t.text, 40)}"] + [cell_summary(cells_at(cells, i, c)) for c in range(len(labels))]
            for i, t in enumerate(tasks)]
    totals = column_totals(experiment, cells)
    rows.append(["success rate"] + [f"{t.success_rate:.0%}" if t.success_rate is not None else "-" for t in totals])
    rows.append(["cost (USD)"] + [f"{t.cost:.4f}" if t.cost is not None else "unknown" for t in totals])
    rows.append(["mean time (s)"] + [f"{t.mean_wall_s:.1f}" if t.mean_wall_s is not None else "-" for t in totals])
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    line = lambda r: "  ".join(str(v).ljust(w) for v, w in zip(r, widths, strict=True)).rstrip()  # noqa: E731
    return "\n".join([line(header), line(["-" * w for w in widths]), *map(line, rows)])


def _one_line(text: str, limit: int) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def _cell_text(value: Any) -> Any:
    """A spreadsheet reads "=..." as a formula: model output is attacker-written, so such text is quoted."""
    return "'" + value if isinstance(value, str) and value.startswith(_FORMULA_START) else value


def export_rows(experiment: ExperimentInfo, cells: list[CellInfo], tasks: list[TaskSpec]) -> list[dict[str, Any]]:
    spec = experiment.spec
    rows = []
    for cell in cells:
        team_index, model_index = spec.columns()[cell.column_index]
        team, model = spec.teams[team_index], spec.models[model_index] if model_index is not None else None
        score = cell.score
        rows.append({
            "experiment": experiment.id, "task": cell.task_index + 1, "task_text": tasks[cell.task_index].text,
            "team": team.name, "team_version": team.version, "model": model.name if model else "as designed",
            "model_version": model.version if model else "", "task_set": spec.task_set,
            "task_set_version": spec.task_set_version, "repeat": cell.repeat + 1, "run": cell.run_id,
            "status": cell.status, "passed": cell.passed,
            "outcome": score.figures.outcome if score else None, "turns": score.figures.turns if score else None,
            "tokens": score.figures.prompt_tokens + score.figures.completion_tokens if score else None,
            "cost": score.figures.cost if score else None, "wall_s": score.figures.wall_s if score else None,
            "checks": "; ".join(f"{'PASS' if r.passed else 'FAIL'} {r.label}: {r.reason}" for r in score.checks)
            if score else "",
            "judge_score": score.judge_score if score else None, "judge_reason": score.judge_reason if score else None,
            "final_answer": score.final_answer if score else "",
        })
    return rows


def export_csv(experiment: ExperimentInfo, cells: list[CellInfo], tasks: list[TaskSpec]) -> str:
    rows = export_rows(experiment, cells, tasks)
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]) if rows else ["experiment"])
    writer.writeheader()
    writer.writerows({k: _cell_text(v) for k, v in row.items()} for row in rows)
    return out.getvalue()


def export_json(experiment: ExperimentInfo, cells: list[CellInfo], tasks: list[TaskSpec]) -> str:
    """The whole experiment: what it ran (its reproducibility record), the tasks, every cell's score."""
    return json.dumps({
        "format": EXPERIMENT_FORMAT, "experiment": experiment.model_dump(mode="json"),
        "tasks": [t.model_dump(mode="json") for t in tasks], "cells": [c.model_dump(mode="json") for c in cells],
    }, indent=2)
