"""Turning a stored design (a ``TeamDocument``) into live ``components`` objects for one run.

Decisions a form cannot express are made here, once, for the studio and the CLI alike:
- a tool listed on an agent is offered to that agent's LLM, and executed by the team's user proxies
  (by every member when the team has none), the AutoGen pattern;
- code runs in the run's own work dir, so each run keeps its files and artifacts apart;
- tool source is the user's own code and runs in this process, like any function they register; its
  docstring's parameter descriptions go to the model as the Tools page shows them (``studio.tool_loading``);
- an MCP server is started once per run, whichever agents use it, and stopped when the run ends
  (``BuiltTeam.close``), also when the team cannot be built.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from components import (
    AssistantAgent,
    CodeExecutionConfig,
    ConversableAgent,
    GroupChat,
    GroupChatManager,
    Notice,
    UserProxyAgent,
    limit_context,
)
from components.agentchat.messages import is_default_termination
from components.coding.extract import content_str
from components.runtime import emit
from storage.documents import (
    AgentSpec,
    ModelSpec,
    TeamDocument,
    TeamSpec,
    TerminationSpec,
    relative_folder_problem,
)
from studio.mcp_sources import RunSessions
from studio.team_termination import TeamTermination
from studio.tool_loading import load_tool

_CLASSES: dict[str, type[ConversableAgent]] = {
    "assistant": AssistantAgent, "user_proxy": UserProxyAgent, "conversable": ConversableAgent,
}


@dataclass
class BuiltTeam:
    """Everything needed to start the chat: ``initiator.initiate_chat(recipient, message=task, **chat_kwargs)``."""

    initiator: ConversableAgent
    recipient: ConversableAgent
    agents: dict[str, ConversableAgent]
    manager: GroupChatManager | None = None
    chat_kwargs: dict[str, Any] = field(default_factory=dict)
    team_rules: list[TeamTermination] = field(default_factory=list)
    """The team's end rules, on the agents or the manager (a continued run restarts their count)."""
    mcp: RunSessions = field(default_factory=RunSessions)
    """The MCP servers this run started."""

    def close(self) -> None:
        try:
            for agent in self.agents.values():
                agent.close()
        finally:
            self.mcp.close()


def llm_config_for(model: ModelSpec, api_key: str | None = None) -> dict[str, Any]:
    """A litellm llm_config from a model design; the key comes from storage, never from the design."""
    config: dict[str, Any] = {"model": model.model, **model.extra}
    for name in ("api_base", "temperature", "max_tokens", "timeout"):
        value = getattr(model, name)
        if value is not None:
            config[name] = value
    config["stream"] = model.stream
    if api_key:
        config["api_key"] = api_key
    elif model.api_key_env:
        config["api_key_env"] = model.api_key_env
    elif model.api_base:
        config["api_key"] = "not-needed"  # a local OpenAI-compatible server: litellm refuses to call without a key
    return config


def termination_check(spec: TerminationSpec) -> Callable[[dict[str, Any]], bool]:
    keyword = spec.keyword

    def text(message: dict[str, Any]) -> str:
        return content_str(message.get("content")).strip()

    checks: dict[str, Callable[[dict[str, Any]], bool]] = {
        "default": lambda m: text(m) == keyword,
        "endswith": lambda m: text(m).endswith(keyword),
        "contains": lambda m: keyword in text(m),
        "never": lambda m: False,
    }
    return checks[spec.mode]


def _never(message: dict[str, Any]) -> bool:
    return False


def _code_folder(agent: AgentSpec, work_dir: Path) -> Path:
    """The agent's code folder inside the run's folder; a document that names another place is refused
    (checked again here: a stored snapshot may predate the document rule)."""
    relative = agent.code_execution.work_dir
    if not relative:
        return work_dir
    problem = relative_folder_problem(relative)
    folder = work_dir / relative
    if problem is None and not folder.resolve().is_relative_to(work_dir.resolve()):
        problem = f"must be a folder inside the run's folder, not a link out of it: got {relative!r}"
    if problem:
        raise ValueError(f"agent {agent.name}: code_execution.work_dir {problem}")
    return folder


def code_execution_config(agent: AgentSpec, work_dir: Path) -> CodeExecutionConfig | bool:
    spec = agent.code_execution
    if spec.mode == "none":
        return False
    folder = _code_folder(agent, work_dir)
    if spec.mode == "local":
        return CodeExecutionConfig(
            work_dir=str(folder), timeout=int(spec.timeout), last_n_messages=spec.last_n_messages, use_docker=False
        )
    options: dict[str, Any] = {"network": spec.network}
    for name in ("memory_mb", "cpus", "pids_limit"):
        if getattr(spec, name) is not None:
            options[name] = getattr(spec, name)
    return CodeExecutionConfig(
        work_dir=str(folder), timeout=int(spec.timeout), last_n_messages=spec.last_n_messages, use_docker=True,
        image=spec.image, docker=options,
    )


def build_agent(
    spec: AgentSpec, document: TeamDocument, work_dir: Path, api_keys: Mapping[str, str | None],
    is_termination_msg: Callable[[dict[str, Any]], bool] | None = None,
) -> ConversableAgent:
    """A live agent; ``is_termination_msg`` replaces the one the agent's own rule gives (the team's rules)."""
    cls = _CLASSES[spec.kind]
    kwargs: dict[str, Any] = {
        "name": document.speaking_names().get(spec.name, spec.name),
        "human_input_mode": spec.human_input_mode,
        "max_consecutive_auto_reply": spec.max_consecutive_auto_reply,
        "is_termination_msg": is_termination_msg or termination_check(spec.termination),
        "code_execution_config": code_execution_config(spec, work_dir),
        "default_auto_reply": spec.default_auto_reply,
        "description": spec.description or None,
        "llm_config": llm_config_for(document.model(spec.model), api_keys.get(spec.model)) if spec.model else False,
    }
    if spec.system_message is not None:
        kwargs["system_message"] = spec.system_message
    agent = cls(**kwargs)
    if spec.context.max_messages or spec.context.max_tokens:
        limit_context(agent, max_messages=spec.context.max_messages, max_tokens=spec.context.max_tokens)
    return agent


def build_team(document: TeamDocument, work_dir: Path, api_keys: Mapping[str, str | None] | None = None) -> BuiltTeam:
    """Live agents (and a manager for a group chat) for ``document``; ``work_dir`` holds the run's files."""
    api_keys = api_keys or {}
    team = document.team
    agents: dict[str, ConversableAgent] = {}
    pair_rules: list[TeamTermination] = []
    for name in team.members:
        check = _two_agent_termination(team, document.agent(name), agents) if team.kind == "two_agent" else None
        pair_rules += [check] if check else []
        agents[name] = build_agent(document.agent(name), document, work_dir, api_keys, is_termination_msg=check)
    sessions = RunSessions()
    try:
        _register_tools(document, agents, sessions)
        return _assemble(document, agents, pair_rules, sessions, api_keys)
    except BaseException:
        sessions.close()  # no server outlives a team that could not be built
        for agent in agents.values():
            agent.close()
        raise


def _assemble(
    document: TeamDocument, agents: dict[str, ConversableAgent], pair_rules: list[TeamTermination],
    sessions: RunSessions, api_keys: Mapping[str, str | None],
) -> BuiltTeam:
    team = document.team
    initiator = agents[team.initiator]
    chat_kwargs: dict[str, Any] = {"summary_method": team.summary_method}
    if team.kind == "two_agent":
        others = [a for name, a in agents.items() if name != team.initiator]
        if len(others) != 1:
            raise ValueError(f"a two-agent team needs exactly one member besides {team.initiator}; has {len(others)}")
        if team.max_turns:
            chat_kwargs["max_turns"] = team.max_turns
        return BuiltTeam(initiator=initiator, recipient=others[0], agents=agents, chat_kwargs=chat_kwargs,
                         team_rules=pair_rules, mcp=sessions)
    manager_llm = _manager_llm(document, api_keys)
    groupchat = GroupChat(
        agents=list(agents.values()),
        messages=[],
        max_round=team.max_round,
        speaker_selection_method=_speaker_selection(team.speaker_selection, manager_llm),
        send_introductions=team.send_introductions,
        **_transition_kwargs(document, agents),
    )
    manager_check = None
    if team.termination is not None:
        own = is_default_termination if team.termination.bare_terminate else _never
        manager_check = TeamTermination(own, team.termination, lambda: len(groupchat.messages))
    manager = GroupChatManager(groupchat=groupchat, llm_config=manager_llm, is_termination_msg=manager_check)
    return BuiltTeam(initiator=initiator, recipient=manager, agents=agents, manager=manager, chat_kwargs=chat_kwargs,
                     team_rules=[manager_check] if manager_check else [], mcp=sessions)


def _two_agent_termination(
    team: TeamSpec, spec: AgentSpec, agents: dict[str, ConversableAgent]
) -> TeamTermination | None:
    """The team's rules on one agent of a two-agent chat, counting the messages it shares with the other."""
    if team.termination is None:
        return None

    def count() -> int:
        me = agents[spec.name]
        partner = next((a for name, a in agents.items() if name != spec.name), None)
        return len(me.chat_messages.get(partner, [])) if partner is not None else 0

    return TeamTermination(termination_check(spec.termination), team.termination, count)


def _manager_llm(document: TeamDocument, api_keys: Mapping[str, str | None]) -> dict[str, Any] | bool:
    """The manager's model: the team's manager model; for "auto" without one, the first member's (said so)."""
    from studio.validation import selection_model

    team = document.team
    chooser = selection_model(team, [document.agent(n) for n in team.members])
    if team.speaker_selection != "auto" and not team.manager_model or chooser is None:
        return False
    model, whose = chooser
    if not team.manager_model:
        emit(Notice(message=f'No manager model is set: the model "{model}" (of {whose}) chooses who speaks next.'))
    return llm_config_for(document.model(model), api_keys.get(model))


def _speaker_selection(method: str, manager_llm: Any) -> str:
    """A team saved with "auto" and no model anywhere takes turns in order, and the run says so up front
    (the engine would too, as AutoGen 0.2 does, but only in each selection's reason)."""
    if method == "auto" and not manager_llm:
        emit(Notice(
            message="The chat manager has no model, so it cannot pick speakers with an LLM: taking turns in order.",
        ))
        return "round_robin"
    return method


def _transition_kwargs(document: TeamDocument, agents: dict[str, ConversableAgent]) -> dict[str, Any]:
    team = document.team
    if team.transitions is None:
        return {"allow_repeat_speaker": team.allow_repeat_speaker}
    graph = {agents[source]: [agents[t] for t in targets] for source, targets in team.transitions.edges.items()}
    return {"allowed_or_disallowed_speaker_transitions": graph, "speaker_transitions_type": team.transitions.type}


def _register_tools(document: TeamDocument, agents: dict[str, ConversableAgent], sessions: RunSessions) -> None:
    from components.mcp import McpServerError, register_mcp_tools

    proxies = [a for name, a in agents.items() if document.agent(name).kind == "user_proxy"]
    executors = proxies or list(agents.values())
    for name, agent in agents.items():
        spec = document.agent(name)
        for tool_name in spec.tools:
            tool = document.tool(tool_name)
            if tool.kind == "mcp":
                chosen = spec.mcp_tools.get(tool.name)
                try:
                    register_mcp_tools(sessions.session(tool), caller=agent, executors=executors, only=chosen)
                except McpServerError as exc:
                    wanted = ", ".join(chosen) if chosen else "all its tools"
                    raise McpServerError(f"{exc}. Agent {name} uses it for: {wanted}.") from None
                continue
            clash = next((e for e in executors if hasattr(e.function_map.get(tool.name), "_mcp_session")), None)
            if clash is not None:
                server = clash.function_map[tool.name]._mcp_session.server.describe()
                raise McpServerError(f'the Python tool "{tool.name}" has the name of a tool of {server} that '
                                     f"{clash.name} already runs: choose only one of them for the agents")
            func = load_tool(tool)
            agent.register_for_llm(name=tool.name, description=tool.description or None)(func)
            for executor in executors:
                executor.register_for_execution(name=tool.name)(func)
