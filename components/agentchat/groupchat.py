"""GroupChat: who is in the group, what was said, and the rules for who may speak next."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from components.agentchat import speaker_selection
from components.agentchat.conversable import Agent, ConversableAgent
from components.coding.extract import message_text
from components.errors import NoEligibleSpeaker, UndefinedNextAgentError

SELECTION_METHODS = ("auto", "manual", "random", "round_robin")
DEFAULT_SELECT_SPEAKER_MESSAGE = (
    "You are in a role play game. The following roles are available:\n{roles}.\n"
    "Read the following conversation.\nThen select the next role from {agentlist} to play. Only return the role."
)
DEFAULT_SELECT_SPEAKER_PROMPT = (
    "Read the above conversation. Then select the next role from {agentlist} to play. Only return the role."
)
DEFAULT_INTRO_MSG = (
    "Hello everyone. We have assembled a great team today to answer questions and solve tasks. In attendance are:"
)
# What the selector is told when it named several roles, or none ({agentlist} is filled in).
DEFAULT_AUTO_MULTIPLE = (
    "You named more than one role. Reply with exactly one name from {agentlist}: the one who should speak next. "
    "Names are case-sensitive. Reply with the name only, no explanation."
)
DEFAULT_AUTO_NONE = (
    "You did not name a role. Reply with exactly one name from {agentlist}: the one who should speak next. "
    "Names are case-sensitive. Reply with the name only, no explanation."
)


class AgentNameConflict(ValueError):
    """Two agents of a group share a name (AutoGen: ``AgentNameConflictError``)."""

    def __init__(self, message: str = "Found multiple agents with the same name.") -> None:
        super().__init__(message)


AgentNameConflictError = AgentNameConflict


@dataclass
class GroupChat:
    agents: list[ConversableAgent]
    messages: list[dict[str, Any]] = field(default_factory=list)
    max_round: int = 10
    admin_name: str = "Admin"
    func_call_filter: bool = True
    speaker_selection_method: str | Callable[..., Any] = "auto"
    max_retries_for_selecting_speaker: int = 2
    allow_repeat_speaker: bool | list[Agent] | None = None
    allowed_or_disallowed_speaker_transitions: dict[Agent, list[Agent]] | None = None
    speaker_transitions_type: Literal["allowed", "disallowed", None] = None
    enable_clear_history: bool = False
    send_introductions: bool = False
    select_speaker_message_template: str = DEFAULT_SELECT_SPEAKER_MESSAGE
    select_speaker_prompt_template: str | None = DEFAULT_SELECT_SPEAKER_PROMPT
    select_speaker_auto_multiple_template: str = DEFAULT_AUTO_MULTIPLE
    select_speaker_auto_none_template: str = DEFAULT_AUTO_NONE
    select_speaker_auto_llm_config: dict[str, Any] | Literal[False] | None = None
    select_speaker_transform_messages: Any = None  # a TransformMessages applied to what the selector sees
    select_speaker_auto_verbose: bool = False  # publish each selector answer as a notice
    role_for_select_speaker_messages: str = "system"
    random_seed: int | None = None
    allowed_speaker_transitions_dict: dict[Agent, list[Agent]] = field(init=False, default_factory=dict)

    DEFAULT_INTRO_MSG = DEFAULT_INTRO_MSG

    def __post_init__(self) -> None:
        self.agents = list(self.agents)
        names = [a.name for a in self.agents]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            listed = "{" + ", ".join(repr(n) for n in duplicates) + "}"
            raise AgentNameConflict(f"GroupChat agents must have unique names. Duplicate agent names found: {listed}")
        if not isinstance(self.max_round, int) or self.max_round < 1:
            raise ValueError(f"max_round must be a positive int, got {self.max_round!r}")
        for attr in (
            "select_speaker_message_template", "role_for_select_speaker_messages",
            "select_speaker_auto_multiple_template", "select_speaker_auto_none_template",
        ):
            if not getattr(self, attr):
                raise ValueError(f"{attr} cannot be empty or None.")
        if not self.select_speaker_prompt_template:  # AutoGen: no closing prompt; the message template says it all
            self.select_speaker_prompt_template = None
        transforms = self.select_speaker_transform_messages
        if transforms is not None and not callable(getattr(transforms, "apply", None)):
            raise ValueError("select_speaker_transform_messages must be None or a TransformMessages")
        if not isinstance(self.select_speaker_auto_verbose, bool):
            raise ValueError("select_speaker_auto_verbose must be a bool")
        retries = self.max_retries_for_selecting_speaker
        if not isinstance(retries, int) or isinstance(retries, bool) or retries < 0:
            raise ValueError(f"max_retries_for_selecting_speaker must be an int >= 0, got {retries!r}")
        if isinstance(self.speaker_selection_method, str) and self.speaker_selection_method.lower() not in SELECTION_METHODS:
            raise ValueError(
                f"GroupChat speaker_selection_method is set to '{self.speaker_selection_method}'. It should be one of "
                f"{SELECTION_METHODS} (case insensitive), or a function."
            )
        self._rng = random.Random(self.random_seed)
        self._build_transition_graph()

    def _build_transition_graph(self) -> None:
        transitions = self.allowed_or_disallowed_speaker_transitions
        if transitions is None:
            if self.allow_repeat_speaker is None:
                self.allow_repeat_speaker = True
            if not isinstance(self.allow_repeat_speaker, (bool, list)):
                raise ValueError("allow_repeat_speaker must be a bool or a list of agents")
            self.allowed_speaker_transitions_dict = {a: list(self.agents) for a in self.agents}
            return
        if self.allow_repeat_speaker is not None:
            raise ValueError(
                "Don't provide both allowed_or_disallowed_speaker_transitions and allow_repeat_speaker: express "
                "repeats as self-loops in the transitions instead."
            )
        if not isinstance(transitions, dict):
            raise ValueError("allowed_or_disallowed_speaker_transitions must be a dict {agent: [agents it may hand over to]}")
        if self.speaker_transitions_type not in ("allowed", "disallowed"):
            raise ValueError(
                "speaker_transitions_type must be 'allowed' or 'disallowed' when "
                f"allowed_or_disallowed_speaker_transitions is given; got {self.speaker_transitions_type!r}"
            )
        members = set(self.agents)
        for source, targets in transitions.items():
            if source not in members:
                raise ValueError(f"transition from {getattr(source, 'name', source)!r}: that agent is not in the group chat")
            if not isinstance(targets, list):
                raise ValueError(f"transitions of {source.name!r} must be a list of agents")
            for target in targets:
                if target not in members:
                    raise ValueError(
                        f"transition {source.name!r} -> {getattr(target, 'name', target)!r}: that agent is not in the group chat"
                    )
        if self.speaker_transitions_type == "allowed":
            self.allowed_speaker_transitions_dict = {s: list(t) for s, t in transitions.items()}
        else:
            self.allowed_speaker_transitions_dict = {
                a: [b for b in self.agents if b not in transitions.get(a, [])] for a in self.agents
            }
        if not any(self.allowed_speaker_transitions_dict.values()):
            raise ValueError("the speaker transition graph has no edges: no agent could ever speak after another")

    # -- members ---------------------------------------------------------------------------------------
    @property
    def agent_names(self) -> list[str]:
        return [a.name for a in self.agents]

    def agent_by_name(self, name: str, recursive: bool = False, raise_on_name_conflict: bool = False) -> ConversableAgent | None:
        """The agent called ``name``; ``recursive`` also looks inside nested group chat managers."""
        found = [a for a in (self.nested_agents() if recursive else self.agents) if a.name == name]
        if raise_on_name_conflict and len(found) > 1:
            raise AgentNameConflict(f"Found multiple agents with the same name: {name!r}.")
        return found[0] if found else None

    def nested_agents(self) -> list[ConversableAgent]:
        """The group's agents, and those of every group chat manager among them (depth first)."""
        agents = list(self.agents)
        for agent in self.agents:
            nested = getattr(agent, "groupchat", None)
            if isinstance(nested, GroupChat) and nested is not self:
                agents.extend(nested.nested_agents())
        return agents

    def reset(self) -> None:
        self.messages.clear()

    def append(self, message: dict[str, Any], speaker: Agent) -> None:
        message = dict(message)
        if message.get("role") != "function":
            message["name"] = speaker.name
        content = message.get("content")
        # AutoGen keeps multimodal parts as a list and makes everything else text (a raw 15 becomes "15")
        message["content"] = content if isinstance(content, list) else message_text(content)
        self.messages.append(message)

    def introductions_msg(self, agents: list[Agent] | None = None) -> str:
        return f"{self.DEFAULT_INTRO_MSG}\n\n{self._participant_roles(agents or self.agents)}"

    def _participant_roles(self, agents: list[Agent]) -> str:
        return "\n".join(f"{a.name}: {a.description}".strip() for a in agents)

    def select_speaker_msg(self, agents: list[Agent] | None = None) -> str:
        agents = agents or self.agents
        return self.select_speaker_message_template.format(
            roles=self._participant_roles(agents), agentlist=[a.name for a in agents]
        )

    def select_speaker_prompt(self, agents: list[Agent] | None = None) -> str | None:
        """The closing prompt of an "auto" selection, or None when the template is None."""
        if self.select_speaker_prompt_template is None:
            return None
        return self.select_speaker_prompt_template.replace("{agentlist}", str([a.name for a in (agents or self.agents)]))

    def manual_select_speaker(self, agents: list[Agent] | None = None) -> ConversableAgent | None:
        """Ask the human (through the console or the run's input function) to pick the next speaker."""
        return speaker_selection.manual_choice(self, list(agents or self.agents), speaker_selection.ask_admin(self))

    def next_agent(self, agent: Agent, agents: list[Agent] | None = None) -> ConversableAgent:
        """The agent after ``agent`` in the group's order, among ``agents`` (default: everyone)."""
        agents = agents or self.agents
        if not all(a in self.agents for a in agents):
            raise UndefinedNextAgentError(
                "The provided agents list does not overlap with agents in the group: "
                f"{[a.name for a in agents if a not in self.agents]} are not members."
            )
        index = self.agent_names.index(agent.name) if agent.name in self.agent_names else -1
        for step in range(1, len(self.agents) + 1):
            candidate = self.agents[(index + step) % len(self.agents)]
            if candidate in agents:
                return candidate
        raise UndefinedNextAgentError("The provided agents list does not overlap with agents in the group.")

    # -- choosing the next speaker -------------------------------------------------------------------
    def select_speaker(self, last_speaker: Agent, selector: ConversableAgent) -> ConversableAgent:
        return speaker_selection.select_speaker(self, last_speaker, selector)[0]

    def candidates(self, last_speaker: Agent) -> list[ConversableAgent]:
        """The agents eligible after ``last_speaker`` (function calls, repeat rule and transition graph
        applied). Raises NoEligibleSpeaker when nobody may speak."""
        if len(self.agents) < 2:
            raise ValueError(
                f"GroupChat is underpopulated with {len(self.agents)} agents. Add at least two agents, or use "
                "a two-agent chat (initiate_chat) instead."
            )
        agents = self._function_call_candidates()
        if self.allow_repeat_speaker is False or (
            isinstance(self.allow_repeat_speaker, list) and last_speaker not in self.allow_repeat_speaker
        ):
            agents = [a for a in agents if a != last_speaker] or agents
        if last_speaker not in self.allowed_speaker_transitions_dict:
            if last_speaker in self.agents:  # a sink of the transition graph: nobody may follow
                raise NoEligibleSpeaker(f"{last_speaker.name} has no allowed transition to anyone")
            return agents  # the initiator is outside the group: anyone may answer
        graph_agents = [a for a in self.allowed_speaker_transitions_dict[last_speaker] if a in agents]
        return graph_agents or agents

    def _function_call_candidates(self) -> list[ConversableAgent]:
        if not (self.func_call_filter and self.messages):
            return self.agents
        last = self.messages[-1]
        names = []
        if last.get("function_call"):
            names = [last["function_call"].get("name", "")]
        elif last.get("tool_calls"):
            names = [c.get("function", {}).get("name", "") for c in last["tool_calls"]]
        if not names:
            return self.agents
        able = [a for a in self.agents if a.can_execute_function(names)]
        if not able:
            raise ValueError(
                f"No agent can execute the function {', '.join(names)}. Please check the function_map of the agents."
            )
        return able

    def random_choice(self, agents: list[ConversableAgent]) -> ConversableAgent:
        return self._rng.choice(agents)
