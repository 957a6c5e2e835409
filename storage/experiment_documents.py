"""The experiment documents: task sets, their checks, an experiment's plan and a run's score.

These are the contract between the Experiments page, the CLI, the scheduler that runs an experiment,
the scorer and the exports. A pattern in a check, a task's text and its expected answer are user input;
the patterns are only ever matched with a time limit (``studio.experiments.checks``).
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from storage.documents import TeamDocument

CheckKind = Literal["contains", "regex", "equals", "code_ran", "file", "judge"]
CHECK_LABELS: dict[str, str] = {
    "contains": "the final answer contains",
    "regex": "the final answer matches",
    "equals": "the final answer equals the expected answer",
    "code_ran": "code ran without error",
    "file": "a file was produced",
    "judge": "the judge model approves",
}
ExperimentStatus = Literal["created", "running", "completed", "stopped", "failed"]
CellStatus = Literal["pending", "running", "scored"]
MAX_TASKS = 500


class _Doc(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CheckSpec(_Doc):
    """One check of a task's run. ``value``: the text (contains), the pattern (regex), the file name or
    glob (file), the written criteria (judge); unused by equals and code_ran."""

    kind: CheckKind = Field(description="What is checked.")
    value: str = Field(default="", max_length=10_000, description="What the check looks for.")
    required: bool = Field(default=True, description="A failed required check fails the run (and the CLI).")

    @model_validator(mode="after")
    def _needs_value(self) -> CheckSpec:
        if self.kind in ("contains", "regex", "file", "judge") and not self.value.strip():
            raise ValueError(f"a {self.kind} check needs a value ({CHECK_LABELS[self.kind]} what?)")
        return self

    @property
    def label(self) -> str:
        return f"{CHECK_LABELS[self.kind]} {self.value!r}" if self.value else CHECK_LABELS[self.kind]


class TaskSpec(_Doc):
    """One task: the text the team is given, an optional expected answer, and its checks."""

    text: str = Field(min_length=1, max_length=100_000, description="What the team should do.")
    expected: str | None = Field(default=None, max_length=100_000, description="The expected final answer.")
    checks: list[CheckSpec] = Field(default_factory=list, description="Checks of the run's outcome.")

    @model_validator(mode="after")
    def _equals_needs_expected(self) -> TaskSpec:
        if any(c.kind == "equals" for c in self.checks) and not (self.expected or "").strip():
            raise ValueError("an equals check needs an expected answer")
        return self


class TaskSetInfo(_Doc):
    """A stored task-set version (never changed once stored)."""

    id: int = Field(description="Row id of this version.")
    name: str = Field(description="The set's name; all versions share it.")
    version: int = Field(ge=1, description="1, 2, ...: editing a set stores the next version.")
    tasks: list[TaskSpec] = Field(description="The tasks, in order.")
    created_at: float = Field(description="Unix time this version was stored.")


class ExperimentTeam(_Doc):
    """A team as the experiment ran it: its resolved design and that design's content version."""

    name: str = Field(description="The team's name.")
    team_id: int | None = Field(default=None, description="Row id of the stored team; None for a design file.")
    version: str = Field(description="A hash of the resolved design: equal versions ran the same team.")
    document: TeamDocument = Field(description="The resolved team (no keys).")


class ExperimentModel(_Doc):
    """A model that replaces agents' models in some columns; ``version`` hashes its settings."""

    name: str
    version: str
    spec: dict[str, Any] = Field(description="The ModelSpec, as stored when the experiment was made.")


class JudgeSpec(_Doc):
    """The judge: a stored model that scores each run against a judge check's criteria (0 to 10)."""

    model: str = Field(description="The ModelSpec's name.")
    version: str
    spec: dict[str, Any]
    pass_score: float = Field(default=7, ge=0, le=10, description="The least score that passes.")


class ExperimentSpec(_Doc):
    """What an experiment runs, fixed when it is made (its reproducibility record)."""

    teams: list[ExperimentTeam] = Field(min_length=1)
    models: list[ExperimentModel] = Field(default_factory=list, description="Empty: each team as designed.")
    replace_agents: list[str] | None = Field(
        default=None, description="Agents whose model is replaced; None: every agent with a model (and the manager)."
    )
    task_set: str
    task_set_version: int
    repeats: int = Field(default=1, ge=1, le=100)
    judge: JudgeSpec | None = None

    def columns(self) -> list[tuple[int, int | None]]:
        """(team index, model index or None) for each column, teams outermost."""
        models: list[int | None] = list(range(len(self.models))) or [None]
        return [(t, m) for t in range(len(self.teams)) for m in models]

    def column_label(self, index: int) -> str:
        team, model = self.columns()[index]
        return f"{self.teams[team].name} × {self.models[model].name if model is not None else 'as designed'}"


class CheckResult(_Doc):
    kind: CheckKind
    label: str
    required: bool
    passed: bool
    reason: str


class RunFigures(_Doc):
    """What was measured of one run."""

    outcome: str = Field(description="The run's status: completed, stopped, failed or interrupted.")
    turns: int = Field(default=0, description="Messages in the conversation.")
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost: float | None = Field(default=None, description="USD; None when no call's price was known.")
    wall_s: float | None = Field(default=None, description="Seconds from start to end.")
    error: str | None = None


class RunScore(_Doc):
    """A run's score: every check with its reason, the figures, and the judge's score if asked."""

    passed: bool = Field(description="The run completed and every required check passed.")
    final_answer: str = Field(default="", description="The answer the checks looked at (shortened).")
    checks: list[CheckResult] = Field(default_factory=list)
    figures: RunFigures
    judge_score: float | None = None
    judge_reason: str | None = None


class CellInfo(_Doc):
    """One cell of an experiment: a task, a column, a repeat; its run and score once there."""

    id: int
    experiment_id: int
    task_index: int
    column_index: int
    repeat: int
    run_id: int | None
    status: CellStatus
    passed: bool | None
    score: RunScore | None


class ExperimentInfo(_Doc):
    id: int
    name: str
    task_set_id: int
    spec: ExperimentSpec
    status: ExperimentStatus
    error: str | None
    created_at: float
    finished_at: float | None
    owner_id: int | None = None
