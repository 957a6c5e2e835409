"""Is a team ready to run? Every problem at once, in words a person can act on, before anything runs.

Combines what storage checks (members exist, group sizes, initiator, transitions between members,
references) with what only the running machine can tell: is the Docker engine reachable, is the built-in
model installed, is a model's key set, can each agent actually reply. Errors stop a run; warnings are
worth reading but the team runs.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

from storage import Database
from storage.designs import list_agents, list_models, list_tools
from storage.documents import AgentSpec, ModelSpec, TeamDocument, TeamSpec
from storage.people import Actor
from storage.secrets import key_source
from storage.validation import agent_problems, team_problems

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Issue:
    severity: Severity
    where: str  # e.g. 'agent "coder"' or "team"
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.message}"


def _path_label(path: str) -> str:
    root = path.split(".")[0].split("[")[0]
    return {"members": "members", "initiator": "initiator", "transitions": "transitions",
            "manager_model": "manager model"}.get(root, "team")


def validate_team(db: Database, team: TeamSpec, actor: Actor | None = None) -> list[Issue]:
    """Every problem of ``team`` (saved or only in a form) against what ``actor`` sees in ``db``."""
    agents = {a.name: a for a in list_agents(db, actor)}
    models = {m.name: m for m in list_models(db, actor)}
    tools = {t.name for t in list_tools(db, actor)}
    issues = [Issue("error", _path_label(p.path), p.message)
              for p in team_problems(team.model_dump(), "", list(agents), list(models), "saved ")]
    members = [agents[m] for m in dict.fromkeys(team.members) if m in agents]
    for agent in members:
        issues += [Issue("error", f'agent "{agent.name}"', p.message)
                   for p in agent_problems(agent.model_dump(), "", list(models), list(tools), "saved ")]
    return issues + runtime_issues(
        team, members, models, lambda m: key_source(db, m, owner_id=actor.person_id if actor else None)
    )


def validate_document(document: TeamDocument, key_state: Callable[[ModelSpec], str] | None = None) -> list[Issue]:
    """The same checks for a team document (an import, a gallery team) before it is stored."""
    from storage.validation import check_team_document

    _, problems = check_team_document(document.model_dump(mode="json"))
    issues = [Issue("error", p.path.split(".")[0].split("[")[0] or "document", p.message) for p in problems]
    models = {m.name: m for m in document.models}
    members = [a for a in document.agents if a.name in document.team.members]
    state = key_state or (lambda m: "environment" if not m.api_key_env else _env_state(m.api_key_env))
    return issues + runtime_issues(document.team, members, models, state)


def _env_state(name: str) -> str:
    import os

    return "environment" if os.environ.get(name) else "missing"


def runtime_issues(
    team: TeamSpec, members: Sequence[AgentSpec], models: dict[str, ModelSpec], key_state: Callable[[ModelSpec], str],
) -> list[Issue]:
    """What only this machine can tell, and what would make a run fail or never end."""
    issues: list[Issue] = []
    for agent in members:
        issues += _agent_issues(agent)
    used = {a.model for a in members if a.model} | ({team.manager_model} if team.manager_model else set())
    for name in sorted(n for n in used if n in models):
        issues += _model_issues(models[name], key_state)
    if any(a.code_execution.mode == "docker" for a in members):
        issues += _docker_issues(members)
    issues += _team_issues(team, members)
    return issues


def _agent_issues(agent: AgentSpec) -> list[Issue]:
    where = f'agent "{agent.name}"'
    issues: list[Issue] = []
    can_run_code = agent.code_execution.mode != "none"
    if not agent.model:
        if agent.kind == "assistant":
            issues.append(Issue("error", where, "has no model: an assistant needs one to write replies (Agents page)"))
        elif not can_run_code and agent.human_input_mode == "NEVER" and not agent.default_auto_reply:
            issues.append(Issue("error", where, "can never reply: give it a model, code execution, a default reply, "
                                "or let it ask you"))
        if agent.tools:
            issues.append(Issue("error", where, f"has tools ({', '.join(agent.tools)}) but no model to call them"))
    return issues


def _model_issues(model: ModelSpec, key_state: Callable[[ModelSpec], str]) -> list[Issue]:
    where = f'model "{model.name}"'
    if model.model.startswith("local/"):
        from components.llm.local_model import local_model_status

        ready, message = local_model_status(model.model)
        return [] if ready else [Issue("error", where, message)]
    if key_state(model) == "stored_elsewhere":
        return [Issue("error", where, "its stored key was entered for another server than the one it points at now: "
                      "type the key again for this server on the Models page")]
    if key_state(model) == "missing":
        return [Issue("error", where, f"its key is read from the environment variable {model.api_key_env}, which is "
                      "not set: set it before starting the studio, or type the key on the Models page")]
    return []


def _docker_issues(members: Sequence[AgentSpec]) -> list[Issue]:
    from components.coding.docker_executor import docker_engine_status

    ready, message = docker_engine_status()
    if ready:
        return []
    users = ", ".join(f'"{a.name}"' for a in members if a.code_execution.mode == "docker")
    return [Issue("error", f"agent {users}" if "," not in users else f"agents {users}",
                  f"{message} (on the Agents page, under Running code)")]


def _team_issues(team: TeamSpec, members: Sequence[AgentSpec]) -> list[Issue]:
    issues: list[Issue] = []
    if team.kind == "group":
        if team.speaker_selection == "auto" and not team.manager_model:
            chooser = selection_model(team, members)
            if chooser is None:
                issues.append(Issue("error", "speaker selection", "automatic selection needs a model to choose who "
                                    "speaks, and neither the team nor any member has one: pick a manager model"))
            else:
                issues.append(Issue("warning", "speaker selection", f'no manager model is set: the model "{chooser[0]}" '
                                    f"(of {chooser[1]}) chooses who speaks next"))
        issues += _transition_issues(team)
        limit = team.termination.max_messages if team.termination else None
        if limit is not None and limit > team.max_round:
            issues.append(Issue("warning", "end rules", f"the chat stops after {team.max_round} rounds (one message "
                                f"each), so the limit of {limit} messages is never reached: raise the rounds"))
    elif (len(members) == 2 and team.max_turns is None and not any(_can_end(a) for a in members)
          and not (team.termination and team.termination.max_messages)):
        issues.append(Issue("warning", "team", "nothing limits this chat: it ends only when an agent says the keyword "
                            "(small models rarely do). Set a turn limit, or an automatic reply limit on an agent"))
    return issues


def selection_model(team: TeamSpec, members: Sequence[AgentSpec]) -> tuple[str, str] | None:
    """(model, agent) that chooses speakers when "auto" names no manager model: the first member's with one."""
    if team.manager_model:
        return team.manager_model, "the chat manager"
    by_name = {a.name: a for a in members}
    return next(((by_name[n].model, n) for n in team.members if n in by_name and by_name[n].model), None)


def _can_end(agent: AgentSpec) -> bool:
    return agent.max_consecutive_auto_reply is not None or agent.human_input_mode != "NEVER"


def _transition_issues(team: TeamSpec) -> list[Issue]:
    transitions = team.transitions
    if transitions is None:
        return []
    members = list(dict.fromkeys(team.members))
    edges = {s: [t for t in ts if t in members] for s, ts in transitions.edges.items() if s in members}
    if transitions.type == "allowed":
        followers = {m: edges.get(m, []) for m in members}
    else:
        followers = {m: [t for t in members if t not in edges.get(m, [])] for m in members}
    if not any(followers.values()):
        return [Issue("error", "transitions", "no one may ever speak after anyone: allow at least one transition")]
    issues = []
    for member, after in followers.items():
        if not after and transitions.type == "allowed":
            issues.append(Issue("warning", "transitions", f'no one may speak after "{member}": the chat stops with '
                                "an error when it speaks"))
    reachable = {t for after in followers.values() for t in after} | {team.initiator}
    for member in members:
        if member not in reachable:
            issues.append(Issue("warning", "transitions", f'"{member}" can never speak: no transition leads to it'))
    return issues
