"""Task sets from CSV: one task per row, checks as columns; every bad row named with what is wrong.

Columns (only ``task`` is required; names are case-insensitive):
``task``, ``expected`` (the expected final answer), ``contains`` (text), ``regex`` (a pattern),
``equals`` (yes/no: the final answer equals ``expected``), ``code_ran`` (yes/no), ``file`` (a file name
or glob the run must make), ``judge`` (criteria for the judge model), ``optional`` (check names, comma
separated, that are reported but do not fail the run, e.g. ``judge,file``).
"""

from __future__ import annotations

import csv
import io

from pydantic import ValidationError

from storage.experiment_documents import MAX_TASKS, CheckSpec, TaskSpec
from studio.experiments.checks import pattern_problem

COLUMNS = ("task", "expected", "contains", "regex", "equals", "code_ran", "file", "judge", "optional")
VALUE_CHECKS = ("contains", "regex", "file", "judge")
FLAG_CHECKS = ("equals", "code_ran")
MAX_CSV_BYTES = 5 * 1024 * 1024
_YES, _NO = {"yes", "y", "true", "1", "x"}, {"no", "n", "false", "0", ""}


class TaskCsvError(ValueError):
    """The CSV cannot be used; ``problems`` has one sentence per bad row (or for the file)."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


def _row_task(row: dict[str, str]) -> tuple[TaskSpec | None, list[str]]:
    problems: list[str] = []
    text = row.get("task", "").strip()
    if not text:
        return None, ["the task is empty"]
    optional = {p.strip().lower() for p in row.get("optional", "").split(",") if p.strip()}
    unknown = optional - set(VALUE_CHECKS + FLAG_CHECKS)
    if unknown:
        problems.append(f"optional names unknown checks: {', '.join(sorted(unknown))}")
    checks = []
    for kind in VALUE_CHECKS:
        value = row.get(kind, "").strip()
        if value:
            if kind == "regex" and (problem := pattern_problem(value)):
                problems.append(problem)
            checks.append(CheckSpec(kind=kind, value=value, required=kind not in optional))  # type: ignore[arg-type]
    for kind in FLAG_CHECKS:
        flag = row.get(kind, "").strip().lower()
        if flag not in _YES | _NO:
            problems.append(f'{kind} must be yes or no, not "{row.get(kind)}"')
        elif flag in _YES:
            checks.append(CheckSpec(kind=kind, required=kind not in optional))  # type: ignore[arg-type]
    expected = row.get("expected", "").strip() or None
    if any(c.kind == "equals" for c in checks) and expected is None:
        problems.append("equals is yes but the expected column is empty")
    if problems:
        return None, problems
    try:
        return TaskSpec(text=text, expected=expected, checks=checks), []
    except ValidationError as exc:
        return None, [e["msg"].removeprefix("Value error, ") for e in exc.errors()]


def parse_tasks_csv(data: bytes, source: str = "the CSV file") -> list[TaskSpec]:
    """The tasks in ``data``; ``TaskCsvError`` lists every bad row ("row 3: the task is empty")."""
    if len(data) > MAX_CSV_BYTES:
        raise TaskCsvError([f"{source} is {len(data) / 1e6:.1f} MB; the most a task set may be is "
                            f"{MAX_CSV_BYTES // 2**20} MB"])
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise TaskCsvError([f"{source} is not UTF-8 text: save it as CSV UTF-8"]) from None
    try:
        reader = csv.DictReader(io.StringIO(text))
        header = [(h or "").strip().lower() for h in reader.fieldnames or []]
    except csv.Error as exc:
        raise TaskCsvError([f"{source} is not a CSV file ({exc})"]) from None
    if "task" not in header:
        raise TaskCsvError([f'{source} has no "task" column (its first line names the columns: '
                            f"{', '.join(COLUMNS)})"])
    unknown = [h for h in header if h not in COLUMNS]
    if unknown:
        raise TaskCsvError([f"{source} has unknown columns: {', '.join(unknown)} (known: {', '.join(COLUMNS)})"])
    reader.fieldnames = header
    tasks, problems = [], []
    try:
        for number, row in enumerate(reader, start=2):
            if None in row:
                problems.append(f"row {number}: has more values than there are columns")
                continue
            if not any((v or "").strip() for v in row.values()):
                continue  # a blank line
            task, row_problems = _row_task({k: v or "" for k, v in row.items()})
            problems += [f"row {number}: {p}" for p in row_problems]
            if task is not None:
                tasks.append(task)
    except csv.Error as exc:
        problems.append(f"{source} could not be read past row {reader.line_num} ({exc})")
    if len(tasks) > MAX_TASKS:
        problems.append(f"{source} has {len(tasks)} tasks; a task set holds at most {MAX_TASKS}")
    if not tasks and not problems:
        problems.append(f"{source} has no tasks")
    if problems:
        raise TaskCsvError(problems)
    return tasks


def tasks_from_rows(rows: list[dict[str, object]]) -> list[TaskSpec]:
    """Tasks from table rows (the page's editor: the CSV columns, yes/no columns may be booleans);
    ``TaskCsvError`` names every bad row ("task 2: ...")."""
    tasks, problems = [], []
    for number, row in enumerate(rows, start=1):
        cells = {k: ("yes" if v is True else "no" if v is False else "" if v is None else str(v))
                 for k, v in row.items() if k in COLUMNS}
        if not any(v.strip() and v != "no" for v in cells.values()):
            continue  # an empty row of the editor
        task, row_problems = _row_task(cells)
        problems += [f"task {number}: {p}" for p in row_problems]
        if task is not None:
            tasks.append(task)
    if not tasks and not problems:
        problems.append("there are no tasks: type at least one")
    if problems:
        raise TaskCsvError(problems)
    return tasks


def tasks_to_rows(tasks: list[TaskSpec]) -> list[dict[str, object]]:
    """The tasks as table rows (the editor's), one column per check as in the CSV."""
    rows: list[dict[str, object]] = []
    for task in tasks:
        row: dict[str, object] = {c: "" for c in COLUMNS} | {"equals": False, "code_ran": False}
        row |= {"task": task.text, "expected": task.expected or ""}
        for check in task.checks:
            row[check.kind] = check.value if check.kind in VALUE_CHECKS else True
        row["optional"] = ",".join(c.kind for c in task.checks if not c.required)
        rows.append(row)
    return rows


def tasks_to_csv(tasks: list[TaskSpec]) -> str:
    """The tasks back as CSV (what the page offers to download and edit)."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(COLUMNS))
    writer.writeheader()
    for task in tasks:
        row = {"task": task.text, "expected": task.expected or ""}
        for check in task.checks:
            row[check.kind] = check.value if check.kind in VALUE_CHECKS else "yes"
        row["optional"] = ",".join(c.kind for c in task.checks if not c.required)
        writer.writerow(row)
    return out.getvalue()
