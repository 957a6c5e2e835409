"""Planning an experiment: the record of what it runs (teams, models, task-set version, each with its
content version) and the team document each column runs, with the chosen agents' models replaced."""

from __future__ import annotations

from storage import Database, NotFoundError
from storage.designs import get_model, list_models, resolve_team
from storage.documents import ModelSpec, TeamDocument
from storage.experiment_documents import (
    ExperimentModel,
    ExperimentSpec,
    ExperimentTeam,
    JudgeSpec,
    TaskSetInfo,
)
from storage.experiments import content_version, team_row_id
from storage.people import Actor


class PlanError(ValueError):
    """The experiment cannot be made as asked; the message says what to change."""


def _model(db: Database, name: str, actor: Actor | None = None) -> ModelSpec:
    try:
        return get_model(db, name, actor)
    except NotFoundError:
        known = ", ".join(sorted(m.name for m in list_models(db, actor))) or "none yet"
        raise PlanError(f'there is no model named "{name}" (models: {known})') from None


def experiment_team(db: Database, team: str | TeamDocument, actor: Actor | None = None) -> ExperimentTeam:
    """A stored team (by name) or a design file's team, with its content version."""
    if isinstance(team, str):
        try:
            document = resolve_team(db, team, actor)
        except NotFoundError as exc:
            raise PlanError(str(exc)) from None
        team_id = team_row_id(db, team)
    else:
        document, team_id = team, None
    dumped = document.model_dump(mode="json")
    return ExperimentTeam(name=document.team.name, team_id=team_id, version=content_version(dumped), document=document)


def plan_experiment(
    db: Database, teams: list[str | TeamDocument], task_set: TaskSetInfo, *, models: list[str] = (),  # type: ignore[assignment]
    replace_agents: list[str] | None = None, repeats: int = 1, judge: str | None = None, pass_score: float = 7,
    actor: Actor | None = None,
) -> ExperimentSpec:
    """What the experiment runs, from the teams and models ``actor`` may see (by name)."""
    if not teams:
        raise PlanError("choose at least one team")
    if not 1 <= repeats <= 100:
        raise PlanError(f"repeats must be between 1 and 100, not {repeats}")
    chosen = [experiment_team(db, team, actor) for team in teams]
    specs = [_model(db, name, actor) for name in dict.fromkeys(m.strip() for m in models if m.strip())]
    if replace_agents:
        known = {a.name for t in chosen for a in t.document.agents if a.model}
        unknown = [a for a in replace_agents if a not in known]
        if unknown:
            raise PlanError(f"no chosen team has an agent with a model named {', '.join(map(repr, unknown))} "
                            f"(agents with a model: {', '.join(sorted(known)) or 'none'})")
    judge_spec = None
    if judge:
        model = _model(db, judge, actor)
        dumped = model.model_dump(mode="json")
        judge_spec = JudgeSpec(model=model.name, version=content_version(dumped), spec=dumped, pass_score=pass_score)
    if any(c.kind == "judge" for t in task_set.tasks for c in t.checks) and judge_spec is None:
        raise PlanError(f'task set "{task_set.name}" has judge checks: choose a judge model')
    return ExperimentSpec(
        teams=chosen,
        models=[ExperimentModel(name=m.name, version=content_version(m.model_dump(mode="json")),
                                spec=m.model_dump(mode="json")) for m in specs],
        replace_agents=replace_agents or None, task_set=task_set.name, task_set_version=task_set.version,
        repeats=repeats, judge=judge_spec,
    )


def column_document(spec: ExperimentSpec, column: int) -> TeamDocument:
    """The team a column runs: its design with the column's model on the chosen agents (every agent
    with a model, and the manager, when none were chosen). Models no one uses any more are dropped."""
    team_index, model_index = spec.columns()[column]
    document = spec.teams[team_index].document
    if model_index is None:
        return document
    model = ModelSpec.model_validate(spec.models[model_index].spec)
    targets = set(spec.replace_agents or [a.name for a in document.agents if a.model])
    agents = [a.model_copy(update={"model": model.name}) if a.model and a.name in targets else a
              for a in document.agents]
    team = document.team
    if spec.replace_agents is None and team.manager_model:
        team = team.model_copy(update={"manager_model": model.name})
    used = {a.model for a in agents if a.model} | ({team.manager_model} if team.manager_model else set())
    models = [m for m in document.models if m.name in used and m.name != model.name] + [model]
    return TeamDocument.model_validate({**document.model_dump(), "team": team.model_dump(),
                                        "agents": [a.model_dump() for a in agents],
                                        "models": [m.model_dump() for m in models]})
