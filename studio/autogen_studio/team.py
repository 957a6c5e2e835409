"""An AutoGen Studio team (round-robin or selector group chat) as a Roundtable group chat.

AutoGen 0.4 sends the task from outside the team and then lets the participants speak. Roundtable (as
AutoGen 0.2) has a member send it: the import adds a user proxy ("user") that gives the task, runs the
tools the assistants call, and is never chosen to speak otherwise (the speaker transitions lead from it
to the participants and never back), so the participants speak in the same order as in AutoGen Studio.
"""

from __future__ import annotations

import re
from typing import Any

from storage.documents import AgentSpec, ContextSpec, TeamDocument, TeamSpec, ToolSpec, TransitionsSpec
from studio.autogen_studio.components import (
    MAX_TEXT,
    Component,
    Findings,
    build,
    extra_settings,
    number_field,
    read_component,
    shown,
    text_field,
)
from studio.autogen_studio.models import ModelNames, map_model
from studio.autogen_studio.termination import map_termination
from studio.autogen_studio.tools import map_tool

TEAMS = {"RoundRobinGroupChat": "round_robin", "SelectorGroupChat": "auto"}
_OTHER_TEAMS = {
    "Swarm": "a Swarm passes the turn by handoff messages, which Roundtable's group chats do not have",
    "MagenticOneGroupChat": "Magentic-One's orchestrator (task ledger, re-planning) has no Roundtable counterpart",
    "GraphFlow": "graph flows (conditional edges, parallel branches) have no Roundtable counterpart",
}
DEFAULT_ROUNDS = 20
# AutoGen 0.4's default selector prompt says what AutoGen 0.2's does, which Roundtable's "auto" uses.
_DEFAULT_SELECTOR = ("You are in a role play game. The following roles are available: {roles}. Read the following "
                     "conversation. Then select the next role from {participants} to play. Only return the role. "
                     "{history} Read the above conversation. Then select the next role from {participants} to "
                     "play. Only return the role.")
_AGENT_KEYS = {"name", "description", "system_message", "model_client", "tools", "workbench", "model_context",
               "model_client_stream", "reflect_on_tool_use", "tool_call_summary_format", "handoffs", "metadata",
               "max_tool_iterations"}
_TEAM_KEYS = {"participants", "termination_condition", "max_turns", "model_client", "selector_prompt",
              "allow_repeated_speaker", "emit_team_events", "model_client_streaming", "name", "description",
              "max_selector_attempts", "model_context"}
_DEFAULT_SYSTEM = ("You are a helpful AI assistant. Solve tasks using your tools. Reply with TERMINATE when the task "
                   "has been completed.")


class TeamImportError(Exception):
    """The file is an AutoGen Studio team that cannot become a Roundtable team at all."""


def _agent_name(raw: Any, index: int, taken: set[str], findings: Findings) -> str:
    """A Roundtable agent name (letters, digits, _ and -), unique; a changed name is said."""
    text = raw if isinstance(raw, str) else ""
    name = re.sub(r"[^A-Za-z0-9_-]+", "_", text).strip("_")[:60] or f"agent_{index + 1}"
    base, number = name, 2
    while name in taken:
        name, number = f"{base}_{number}", number + 1
    taken.add(name)
    if name != text:
        findings.note(f'Participant {index + 1} ({shown(raw)}) is named "{name}" here (agent names are letters, '
                      "digits, _ and -, each used once).")
    return name


class _Builder:
    def __init__(self, findings: Findings) -> None:
        self.findings = findings
        self.models = ModelNames()
        self.tools: dict[str, ToolSpec] = {}
        self.names: set[str] = {"user"}

    def model(self, value: Any, what: str) -> str | None:
        client = read_component(value, f"{what}: model_client", self.findings) if value is not None else None
        spec = client and map_model(client, f"{what}: model_client", self.findings)
        return self.models.add(spec) if spec else None

    def tool(self, value: Any, what: str) -> str | None:
        component = read_component(value, f"{what}: tool", self.findings)
        spec = component and map_tool(component, f"{what}: tool", self.findings)
        if spec is None:
            return None
        known = self.tools.get(spec.name)
        if known is not None and known != spec:
            self.findings.skip(f'{what}: tool "{spec.name}"', "another agent has a different tool of that name")
            return None
        self.tools[spec.name] = spec
        return spec.name

    def agent_tools(self, config: dict[str, Any], what: str) -> list[str]:
        items = config.get("tools") or []
        if not isinstance(items, list):
            self.findings.skip(f"{what}: tools", f"should be a list of tools, got {type(items).__name__}")
            items = []
        items = list(items)
        benches = config.get("workbench") or []
        for bench in benches if isinstance(benches, list) else [benches]:
            component = read_component(bench, f"{what}: workbench", self.findings)
            if component is None:
                continue
            if component.kind == "StaticWorkbench" and isinstance(component.config.get("tools"), list):
                items += component.config["tools"]
            else:
                self.findings.skip(f"{what}: workbench ({shown(component.provider)})",
                                   "only a static workbench of Python function tools is imported; tool servers "
                                   "(MCP) in AutoGen Studio files are not")
        return list(dict.fromkeys(name for item in items if (name := self.tool(item, what))))

    def context(self, value: Any, what: str) -> ContextSpec:
        component = read_component(value, f"{what}: model_context", self.findings) if value else None
        if component is None or component.kind == "UnboundedChatCompletionContext":
            return ContextSpec()
        if component.kind == "BufferedChatCompletionContext":
            return ContextSpec(max_messages=number_field(component.config, "buffer_size", what, self.findings))
        if component.kind == "TokenLimitedChatCompletionContext":
            return ContextSpec(max_tokens=number_field(component.config, "token_limit", what, self.findings))
        self.findings.skip(f"{what}: model_context ({shown(component.provider)})",
                           "Roundtable keeps the last N messages or about N tokens only; the whole history is sent")
        return ContextSpec()

    def agent(self, value: Any, index: int) -> AgentSpec | None:
        component = read_component(value, f"participant {index + 1}", self.findings)
        if component is None:
            return None
        config = component.config
        what = f'agent "{shown(config.get("name"))}"'
        if component.kind not in ("AssistantAgent", "UserProxyAgent"):
            self.findings.skip(f"{what} ({shown(component.provider)})",
                               "only assistant agents and user proxies are imported")
            return None
        data: dict[str, Any] = {"name": _agent_name(config.get("name"), index, self.names, self.findings),
                                "description": text_field(config, "description", what, self.findings) or ""}
        if component.kind == "UserProxyAgent":
            data |= {"kind": "user_proxy", "human_input_mode": "ALWAYS"}
            self.findings.skip(f"{what}: input function", "AutoGen Studio files do not carry one; here the person "
                               "running the team answers in the studio when it is this agent's turn")
        else:
            system = text_field(config, "system_message", what, self.findings, MAX_TEXT)
            data |= {"kind": "assistant",
                     "system_message": _DEFAULT_SYSTEM if "system_message" not in config else system or "",
                     "model": self.model(config.get("model_client"), what),
                     "tools": self.agent_tools(config, what),
                     "context": self.context(config.get("model_context"), what)}
            if config.get("handoffs"):
                self.findings.skip(f"{what}: handoffs", "Roundtable's group chats have no handoffs")
            if config.get("reflect_on_tool_use"):
                self.findings.note(f"{what} answered in the same turn after its tools ran (reflect_on_tool_use); "
                                   "here it answers when it next speaks.")
            extra_settings(config, _AGENT_KEYS | {"memory"}, what, self.findings)
            if config.get("memory"):
                self.findings.skip(f"{what}: memory", "Roundtable agents have no memory stores")
        return build(AgentSpec, data, what, self.findings)


def _transitions(user: str, members: list[str], kind: str, repeat: bool) -> TransitionsSpec:
    """Who may speak after whom: the task giver hands to the participants and is never chosen again."""
    if kind == "round_robin":
        edges = {user: [members[0]]} | {m: [members[(i + 1) % len(members)]] for i, m in enumerate(members)}
    else:
        edges = {user: list(members)} | {m: [o for o in members if repeat or o != m] or [m] for m in members}
    return TransitionsSpec(type="allowed", edges=edges)


def _selector_prompt(config: dict[str, Any], findings: Findings) -> None:
    prompt = text_field(config, "selector_prompt", "team", findings)
    if prompt and " ".join(prompt.split()) != _DEFAULT_SELECTOR:
        findings.skip("team: selector_prompt", "Roundtable asks the manager model with AutoGen's own prompt (the "
                      "roles, the conversation, \"select the next role\"); a custom prompt cannot be stored")


def build_document(team: Component, findings: Findings) -> TeamDocument:
    """The Roundtable document for an AutoGen Studio team (TeamImportError when nothing can be imported)."""
    if team.kind not in TEAMS:
        why = _OTHER_TEAMS.get(team.kind, "Roundtable imports round-robin and selector group chats only")
        raise TeamImportError(f"a {shown(team.kind)} team cannot be imported: {why}")
    config, builder = team.config, _Builder(findings)
    participants = config.get("participants")
    if not isinstance(participants, list) or not participants:
        raise TeamImportError('the team has no "participants" list')
    agents = [a for i, p in enumerate(participants[:50]) if (a := builder.agent(p, i))]
    if len(participants) > 50:
        findings.skip(f"participants 51 to {len(participants)}", "the import takes at most 50 agents")
    if not agents:
        raise TeamImportError("none of the team's participants could be imported (see the reasons above)")
    selection = TEAMS[team.kind]
    manager = builder.model(config.get("model_client"), "team") if selection == "auto" else None
    if selection == "auto":
        _selector_prompt(config, findings)
    repeat = config.get("allow_repeated_speaker", True) is not False
    rules = map_termination(config["termination_condition"], findings) if config.get("termination_condition") else None
    turns = number_field(config, "max_turns", "team", findings)
    rounds = turns + 1 if turns else (rules.max_messages if rules and rules.max_messages else DEFAULT_ROUNDS)
    if not turns and not (rules and rules.max_messages):
        findings.note(f"Nothing in the file limits the chat's length: it stops after {DEFAULT_ROUNDS} rounds (change "
                      "it on the Teams page).")
    names = [a.name for a in agents]
    user = AgentSpec(name="user", kind="user_proxy", human_input_mode="NEVER", default_auto_reply="Please go on.",
                     description="Gives the task (AutoGen Studio sends it from outside the team) and runs the tools "
                     "the assistants call.")
    if builder.tools:
        findings.note('The added user proxy "user" runs the tools the assistants call (as in AutoGen 0.2); in AutoGen '
                      "Studio each assistant ran its own.")
    extra_settings(config, _TEAM_KEYS, "team", findings)
    name = (team.label or text_field(config, "name", "team", findings, 100) or "").strip()[:100]
    spec = TeamSpec(
        name=name or "AutoGen Studio team", description=(team.description or "").strip()[:2000], kind="group",
        members=["user", *names], initiator="user", speaker_selection=selection, max_round=min(rounds, 10_000),
        transitions=_transitions("user", names, selection, repeat), manager_model=manager, termination=rules,
    )
    builder.models.key_notes(findings)
    return TeamDocument(team=spec, agents=[user, *agents], models=builder.models.models,
                        tools=list(builder.tools.values()))
