"""Drawing an experiment's results: the live matrix (rows tasks, columns team x model, each run a link
to its replay), totals per column with a chart, a baseline comparison, one run's score, two runs'
transcripts side by side, and the exports.

Text written by a model (final answers, reasons quoting them, the judge's reason) is drawn as plain
text (``st.text``, dataframe cells); the task text goes through ``safe_markdown``.
"""

from __future__ import annotations

import streamlit as st

from storage import Database
from storage.eventlog import events_after
from storage.experiment_documents import CellInfo, ExperimentInfo, TaskSpec
from storage.runs import run_snapshot
from studio.experiments.results import (
    cell_summary,
    cells_at,
    column_totals,
    compare_to_baseline,
    export_csv,
    export_json,
)
from studio.render.run_header import format_cost, format_duration
from studio.render.safe_markdown import safe_markdown
from studio.render.transcript import Transcript
from studio.runs.files import RunFiles

KEY = "experiments.results"
_MARK = {True: ":green[:material/check_circle:]", False: ":red[:material/cancel:]", None: ":material/hourglass_top:"}
_PLAIN = {True: "passed", False: "failed", None: "running"}  # where Markdown is not drawn (select boxes)
_VERDICT = {"better": "better", "worse": "worse", "same": "same", None: "–"}


def _replay_url(run_id: int) -> str:
    base = (st.context.url or "").split("?")[0].rsplit("/", 1)[0]
    return f"{base}/replay?run={run_id}"


def _table_text(text: str, limit: int = 70) -> str:
    flat = " ".join(text.split())
    flat = flat if len(flat) <= limit else flat[: limit - 1] + "…"
    return safe_markdown(flat).replace("|", "\\|")


def _cell_links(cells: list[CellInfo]) -> str:
    links = []
    for cell in cells:
        if cell.run_id is None:
            links.append("·")
            continue
        mark = _MARK[cell.passed] if cell.status == "scored" else _MARK[None]
        links.append(f"{mark} [#{cell.run_id}]({_replay_url(cell.run_id)})")
    return f"{cell_summary(cells)} · {' '.join(links)}" if links else cell_summary(cells)


def matrix(experiment: ExperimentInfo, cells: list[CellInfo], tasks: list[TaskSpec]) -> None:
    labels = [experiment.spec.column_label(i) for i in range(len(experiment.spec.columns()))]
    lines = ["| task | " + " | ".join(_table_text(label, 40) for label in labels) + " |",
             "|---" * (len(labels) + 1) + "|"]
    for index, task in enumerate(tasks):
        row = [f"{index + 1}. {_table_text(task.text)}"]
        row += [_cell_links(cells_at(cells, index, column)) for column in range(len(labels))]
        lines.append("| " + " | ".join(row) + " |")
    st.markdown("\n".join(lines))


def totals(experiment: ExperimentInfo, cells: list[CellInfo]) -> None:
    rows = column_totals(experiment, cells)
    st.dataframe([{
        "column": t.label, "success rate": f"{t.success_rate:.0%}" if t.success_rate is not None else "–",
        "passed": f"{t.passed}/{t.runs}", "cost": format_cost(t.cost),
        "mean time": format_duration(t.mean_wall_s) if t.mean_wall_s is not None else "–", "tokens": t.tokens,
    } for t in rows], hide_index=True, use_container_width=True, key=f"{KEY}.totals")
    if any(t.scored for t in rows):
        import pandas as pd

        chart = pd.DataFrame({"column": [t.label for t in rows],
                              "success rate (%)": [100 * (t.success_rate or 0) for t in rows],
                              "mean time (s)": [t.mean_wall_s or 0 for t in rows]})
        left, right = st.columns(2)
        left.bar_chart(chart, x="column", y="success rate (%)", height=260)
        right.bar_chart(chart, x="column", y="mean time (s)", height=260)


def baseline(experiment: ExperimentInfo, cells: list[CellInfo], tasks: list[TaskSpec]) -> None:
    labels = [experiment.spec.column_label(i) for i in range(len(experiment.spec.columns()))]
    if len(labels) < 2:
        return
    chosen = st.selectbox("Baseline column", labels, key=f"{KEY}.baseline")
    index = labels.index(chosen)
    rows = compare_to_baseline(experiment, cells, tasks, index)
    st.dataframe([{"task": f"{r['task']}. {' '.join(r['text'].split())[:60]}",
                   **{label: _VERDICT[r[label]] for label in labels if label != chosen}} for r in rows],
                 hide_index=True, use_container_width=True, key=f"{KEY}.compare")
    sums = column_totals(experiment, cells)
    base = sums[index]
    for other in sums:
        if other is base or other.success_rate is None or base.success_rate is None:
            continue
        delta = other.success_rate - base.success_rate
        st.caption(f"{other.label}: success rate {delta:+.0%} against {base.label}")


def _run_label(experiment: ExperimentInfo, cell: CellInfo) -> str:
    mark = _PLAIN[cell.passed] if cell.status == "scored" else _PLAIN[None]
    return (f"{mark}: run #{cell.run_id} · task {cell.task_index + 1} · "
            f"{experiment.spec.column_label(cell.column_index)} · repeat {cell.repeat + 1}")


def run_score(experiment: ExperimentInfo, cells: list[CellInfo]) -> None:
    scored = [c for c in cells if c.score is not None]
    if not scored:
        return
    cell = st.selectbox("Run", scored, format_func=lambda c: _run_label(experiment, c), key=f"{KEY}.score_run")
    score = cell.score
    assert score is not None
    figures = score.figures
    st.caption(f"{figures.outcome} · {figures.turns} messages · "
               f"{figures.prompt_tokens + figures.completion_tokens} tokens · {format_cost(figures.cost)} · "
               f"{format_duration(figures.wall_s) if figures.wall_s is not None else '–'}")
    if figures.error:
        st.text(f"Error: {figures.error}")
    st.dataframe([{"check": r.label, "required": r.required, "passed": "yes" if r.passed else "NO", "why": r.reason}
                  for r in score.checks], hide_index=True, use_container_width=True, key=f"{KEY}.checks")
    st.caption("Final answer")
    st.text(score.final_answer or "(none)")
    if score.judge_reason is not None:
        st.caption(f"Judge: {score.judge_score if score.judge_score is not None else 'no score'}")
        st.text(score.judge_reason)


def side_by_side(db: Database, experiment: ExperimentInfo, cells: list[CellInfo], data_dir) -> None:  # type: ignore[no-untyped-def]
    runs = [c for c in cells if c.run_id is not None]
    if len(runs) < 2:
        st.caption("Two runs are needed to compare.")
        return
    panes = st.columns(2)
    for side, pane, default in (("left", panes[0], 0), ("right", panes[1], 1)):
        with pane:
            cell = st.selectbox(f"Run ({side})", runs, index=default, key=f"{KEY}.side.{side}",
                                format_func=lambda c: _run_label(experiment, c))
            stored = events_after(db, cell.run_id, 0)
            transcript = Transcript(st.container(height=520, border=True), run_snapshot(db, cell.run_id).speaking_members(),
                                    key_prefix=f"{side}{cell.run_id}", files=RunFiles.of(data_dir, cell.run_id))
            transcript.add_all(stored[-80:])


def exports(experiment: ExperimentInfo, cells: list[CellInfo], tasks: list[TaskSpec]) -> None:
    left, right = st.columns(2)
    left.download_button("Download CSV", export_csv(experiment, cells, tasks), icon=":material/table:",
                         file_name=f"roundtable-experiment-{experiment.id}.csv", mime="text/csv", key=f"{KEY}.csv")
    right.download_button("Download JSON", export_json(experiment, cells, tasks), icon=":material/data_object:",
                          file_name=f"roundtable-experiment-{experiment.id}.json", mime="application/json",
                          key=f"{KEY}.json")
