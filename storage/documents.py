"""The design documents: the contract between the studio, the run engine, export files and run history.

A ``TeamDocument`` is at once the import/export file and the snapshot a run keeps of the team it ran.
No document ever holds an API key: a stored key lives only in the ``models`` table (see
``storage.secrets``). Field-level rules live here; rules that relate documents to each other (does this
agent's model exist?) live in ``storage.validation``, which reports every problem with its JSON path.
"""

from __future__ import annotations

import ast
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SerializerFunctionWrapHandler,
    field_validator,
    model_serializer,
    model_validator,
)

from components.coding.python_source import UnreadableSource, parse_source
from storage.mcp_documents import McpServerSpec

SCHEMA_VERSION = 1
"""Version of the document format written by this code; documents of a newer version are refused."""

TEAM_FORMAT = "roundtable.team"
RUN_FORMAT = "roundtable.run"

AgentKind = Literal["assistant", "user_proxy", "conversable"]
HumanInputMode = Literal["ALWAYS", "TERMINATE", "NEVER"]
RunStatus = Literal[
    "created", "running", "waiting_for_input", "completed", "stopped", "failed", "interrupted"
]
ACTIVE_STATUSES: tuple[RunStatus, ...] = ("running", "waiting_for_input")
FINISHED_STATUSES: tuple[RunStatus, ...] = ("completed", "stopped", "failed", "interrupted")

AGENT_NAME_PATTERN = r"^[A-Za-z0-9_-]+$"
_SECRET_HINTS = ("api_key", "apikey", "secret", "password", "access_token", "authorization")
# litellm parameters that choose where a request goes: the endpoint lives in ``model`` and ``api_base``
# only, where a stored key is bound to it (``storage.secrets``).
_ENDPOINT_KEYS = frozenset({"api_base", "base_url", "custom_llm_provider", "azure_endpoint", "endpoint", "api_host", "url"})
_KIND_INPUT_MODE: dict[str, HumanInputMode] = {
    "assistant": "NEVER",
    "user_proxy": "ALWAYS",
    "conversable": "TERMINATE",
}


class _Doc(BaseModel):
    model_config = ConfigDict(extra="forbid")


def _secret_keys(value: Any, path: str = "") -> list[str]:
    """Keys (with their path) in a nested dict that look like they hold a credential."""
    found: list[str] = []
    if isinstance(value, dict):
        for key, item in value.items():
            here = f"{path}.{key}" if path else str(key)
            if any(hint in str(key).lower().replace("-", "_") for hint in _SECRET_HINTS):
                found.append(here)
            found.extend(_secret_keys(item, here))
    return found


class ModelSpec(_Doc):
    """An LLM configuration, reusable by many agents. Never carries a key (see ``storage.secrets``)."""

    name: str = Field(min_length=1, max_length=100, description="Unique, user-facing name.")
    model: str = Field(min_length=1, description='litellm model string, e.g. "gpt-4o-mini", "ollama/llama3".')
    api_base: str | None = Field(
        default=None, description="Base URL of the API; None uses litellm's default."
    )
    api_key_env: str | None = Field(
        default=None,
        pattern=r"^[A-Za-z_][A-Za-z0-9_]*$",
        description="Name of the environment variable holding the key; None if the model needs none.",
    )
    temperature: float | None = Field(default=None, ge=0, le=2, description="Sampling temperature.")
    max_tokens: int | None = Field(default=None, ge=1, description="Upper bound on tokens in one reply.")
    timeout: float | None = Field(default=None, gt=0, description="Seconds before an LLM call is abandoned.")
    stream: bool = Field(default=True, description="Stream tokens while the model writes.")
    extra: dict[str, Any] = Field(default_factory=dict, description="Other litellm parameters, passed as is.")

    @field_validator("extra")
    @classmethod
    def _no_secrets_in_extra(cls, value: dict[str, Any]) -> dict[str, Any]:
        secret = _secret_keys(value)
        if secret:
            raise ValueError(
                f"{', '.join(secret)} looks like a credential; keys never go in a design: name the "
                "environment variable in api_key_env, or store the key in the studio"
            )
        endpoint = sorted(key for key in value if str(key).lower().replace("-", "_") in _ENDPOINT_KEYS)
        if endpoint:
            raise ValueError(
                f"{', '.join(endpoint)} sets where requests go; put the server in api_base (and the "
                "provider in the model name), not in extra"
            )
        return value


class ToolSpec(_Doc):
    """A tool source: a Python function an agent may call, or an MCP server whose tools agents may call."""

    name: str = Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$", max_length=64, description="Function or server name.")
    description: str = Field(default="", description="What the tool does, as shown to the model.")
    kind: Literal["python", "mcp"] = Field(default="python", description="A Python function or an MCP server.")
    source: str = Field(default="", description="python: source defining the function ``name`` (imports allowed).")
    server: McpServerSpec | None = Field(default=None, description="mcp: how to start or reach the server.")

    @field_validator("source")
    @classmethod
    def _defines_the_function(cls, source: str, info: Any) -> str:
        if info.data.get("kind") == "mcp":
            if source.strip():
                raise ValueError("an MCP tool source has no Python source")
            return source
        try:
            tree = parse_source(source)
        except UnreadableSource as error:
            raise ValueError(f"not valid Python: {error}") from None
        defined = [
            node.name for node in tree.body if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
        ]
        name = info.data.get("name")
        if name is not None and name not in defined:
            found = ", ".join(defined) if defined else "none"
            raise ValueError(f"must define a function named {name} (functions defined: {found})")
        return source

    @model_validator(mode="after")
    def _server_for_mcp_only(self) -> ToolSpec:
        if self.kind == "mcp" and self.server is None:
            raise ValueError("an MCP tool source needs a server (a command, or a url)")
        if self.kind == "python" and self.server is not None:
            raise ValueError('a server belongs to an MCP tool source: set kind to "mcp"')
        return self


def relative_folder_problem(value: str) -> str | None:
    """Why ``value`` is not a relative folder that stays inside its parent, or None if it is."""
    text = value.strip()
    parts = [part for part in text.replace("\\", "/").split("/") if part not in ("", ".")]
    if text.startswith(("/", "\\", "~")) or (len(text) > 1 and text[1] == ":"):
        return f'must be a folder inside the run\'s folder (a relative path such as "coding"), not {value!r}'
    if ".." in parts or "\0" in text:
        return f'must be a folder inside the run\'s folder, without "..": got {value!r}'
    return None


class TerminationSpec(_Doc):
    """When a received message ends the conversation for this agent."""

    mode: Literal["default", "endswith", "contains", "never"] = Field(
        default="default", description='"default": content equals the keyword; "never": no keyword ends it.'
    )
    keyword: str = Field(default="TERMINATE", min_length=1, description="The word that ends the chat.")


class CodeExecutionSpec(_Doc):
    """Whether and where this agent runs the code blocks it receives."""

    mode: Literal["none", "local", "docker"] = Field(default="none", description="Where code runs.")
    work_dir: str | None = Field(default=None, description="Work directory; None uses a fresh one per run.")
    timeout: float = Field(default=60, gt=0, description="Seconds before one execution is killed.")
    last_n_messages: Literal["auto"] | int = Field(
        default="auto", description='How many recent messages to scan for code ("auto": since last reply).'
    )
    image: str = Field(default="python:3-slim", min_length=1, description="Docker image (docker mode).")
    memory_mb: int | None = Field(default=None, ge=16, description="Container memory limit in MiB.")
    cpus: float | None = Field(default=None, gt=0, description="Container CPU limit.")
    pids_limit: int | None = Field(default=None, ge=1, description="Container process limit.")
    network: bool = Field(default=False, description="Allow the container network access.")

    @field_validator("work_dir")
    @classmethod
    def _inside_the_run_folder(cls, value: str | None) -> str | None:
        """A folder inside the run's own folder: an imported file must not choose a host directory."""
        if value is None or not value.strip():
            return None
        problem = relative_folder_problem(value)
        if problem:
            raise ValueError(problem)
        return value.strip()

    @field_validator("last_n_messages", mode="wrap")
    @classmethod
    def _auto_or_positive(cls, value: Any, handler: Any) -> Literal["auto"] | int:
        """One clear message instead of one per member of the union."""
        try:
            result = handler(value)
        except ValueError:
            result = None
        if result is None or (isinstance(result, int) and result < 1):
            raise ValueError(f'must be "auto" or a whole number of at least 1, got {value!r}')
        return result


class ContextSpec(_Doc):
    """How much history the agent sends to its model (None: no limit)."""

    max_messages: int | None = Field(default=None, ge=1, description="Keep only the last N messages.")
    max_tokens: int | None = Field(default=None, ge=1, description="Trim history to about N tokens.")


class AgentSpec(_Doc):
    """One agent. ``human_input_mode`` defaults to the kind's AutoGen default when omitted."""

    name: str = Field(pattern=AGENT_NAME_PATTERN, max_length=64, description="AutoGen agent name.")
    display_name: str | None = Field(
        default=None, pattern=AGENT_NAME_PATTERN, max_length=64,
        description="The name it speaks under in conversations when it differs from its stored name (a copy made "
        "because the name was taken keeps the original's); None: its name.",
    )
    kind: AgentKind = Field(default="assistant", description="Which AutoGen agent class it is.")
    description: str = Field(default="", description="Shown to a group manager choosing speakers.")
    system_message: str | None = Field(default=None, description="None uses the kind's default prompt.")
    model: str | None = Field(default=None, description="Name of a ModelSpec; None: the agent uses no LLM.")
    human_input_mode: HumanInputMode = Field(default="NEVER", description="When a human is asked to reply.")
    max_consecutive_auto_reply: int | None = Field(
        default=None, ge=0, description="Auto replies in a row before asking a human; None: no limit."
    )
    termination: TerminationSpec = Field(default_factory=TerminationSpec, description="End condition.")
    code_execution: CodeExecutionSpec = Field(default_factory=CodeExecutionSpec, description="Code runs.")
    tools: list[str] = Field(default_factory=list, description="Names of ToolSpecs this agent may call.")
    mcp_tools: dict[str, list[str]] = Field(
        default_factory=dict,
        description="For an MCP source in tools: the names of its tools this agent may use (absent: all of them).",
    )
    context: ContextSpec = Field(default_factory=ContextSpec, description="History sent to the model.")
    default_auto_reply: str = Field(default="", description="Reply used when nothing else produces one.")

    @model_validator(mode="before")
    @classmethod
    def _kind_default_input_mode(cls, data: Any) -> Any:
        if isinstance(data, dict) and "human_input_mode" not in data:
            mode = _KIND_INPUT_MODE.get(str(data.get("kind", "assistant")))
            if mode:
                data = {**data, "human_input_mode": mode}
        return data


class TransitionsSpec(_Doc):
    """Speaker transitions a group chat allows (or forbids)."""

    type: Literal["allowed", "disallowed"] = Field(description="Whether edges are allowed or forbidden.")
    edges: dict[str, list[str]] = Field(default_factory=dict, description="Agent -> agents that may follow.")


class TeamTerminationSpec(_Doc):
    """Rules that end the whole chat, whoever speaks: a phrase in a message, a number of messages, or both."""

    text_mention: str | None = Field(
        default=None, min_length=1, max_length=200,
        description="A message containing this phrase (case-sensitive) ends the chat.",
    )
    max_messages: int | None = Field(
        default=None, ge=1, le=10_000, description="The chat ends once it holds this many messages."
    )
    bare_terminate: bool = Field(
        default=True,
        description='Group chats: a message that is exactly "TERMINATE" ends the chat too, as AutoGen\'s manager does. '
        "Off: only the rules here and the rounds end it (a small model may say TERMINATE before any work is done).",
    )

    @field_validator("text_mention")
    @classmethod
    def _phrase_not_blank(cls, value: str | None) -> str | None:
        if value is not None and not value.strip():
            raise ValueError("must contain more than spaces")
        return value

    @model_serializer(mode="wrap")
    def _default_left_out(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        """``bare_terminate`` is written only when off: files for the default stay readable by older versions."""
        data: dict[str, Any] = handler(self)
        if self.bare_terminate:
            data.pop("bare_terminate", None)
        return data

    @model_validator(mode="after")
    def _some_rule(self) -> TeamTerminationSpec:
        if self.text_mention is None and self.max_messages is None and self.bare_terminate:
            raise ValueError("give a text_mention, a max_messages, or both (or leave termination out)")
        return self


class TeamSpec(_Doc):
    """A two-agent chat or a group chat over reusable agents."""

    name: str = Field(min_length=1, max_length=100, description="Unique, user-facing name.")
    description: str = Field(default="", description="What the team is for.")
    kind: Literal["two_agent", "group"] = Field(default="group", description="Chat shape.")
    members: list[str] = Field(min_length=1, description="Agent names, in order.")
    initiator: str = Field(description="The member who sends the task.")
    speaker_selection: Literal["auto", "round_robin", "random", "manual"] = Field(
        default="auto", description="How a group manager picks the next speaker."
    )
    allow_repeat_speaker: bool = Field(default=True, description="May a speaker speak twice in a row.")
    transitions: TransitionsSpec | None = Field(default=None, description="Constrained speaker transitions.")
    max_round: int = Field(default=10, ge=1, description="Group chat rounds before it stops.")
    max_turns: int | None = Field(default=None, ge=1, description="Two-agent turns; None: until terminated.")
    summary_method: Literal["last_msg", "reflection_with_llm"] = Field(
        default="last_msg", description="How the chat result is summarised."
    )
    manager_model: str | None = Field(default=None, description='ModelSpec for "auto" speaker selection.')
    send_introductions: bool = Field(default=False, description="Manager introduces members first.")
    termination: TeamTerminationSpec | None = Field(
        default=None, description="Team-wide rules that end the chat; None: only the agents' own rules."
    )


class TeamDocument(_Doc):
    """A resolved team: export file, import file and run snapshot. Never holds keys."""

    format: Literal["roundtable.team"] = Field(default=TEAM_FORMAT, description="Marks a team document.")
    schema_version: int = Field(default=SCHEMA_VERSION, ge=1, description="Document format version.")
    team: TeamSpec = Field(description="The team.")
    agents: list[AgentSpec] = Field(default_factory=list, description="The team's agents.")
    models: list[ModelSpec] = Field(default_factory=list, description="Models the agents and manager use.")
    tools: list[ToolSpec] = Field(default_factory=list, description="Tools the agents use.")

    def agent(self, name: str) -> AgentSpec:
        """The agent named ``name`` (KeyError if absent)."""
        return _by_name(self.agents, name, "agent")

    def speaking_names(self) -> dict[str, str]:
        """Each member's name in the conversation: its ``display_name`` unless two members would share one."""
        wanted = {m: self.agent(m).display_name or m for m in dict.fromkeys(self.team.members)}
        counts: dict[str, int] = {}
        for name in wanted.values():
            counts[name] = counts.get(name, 0) + 1
        return {m: name if counts[name] == 1 else m for m, name in wanted.items()}

    def speaking_members(self) -> list[str]:
        """The members' names as the conversation shows them, in team order."""
        return list(self.speaking_names().values())

    def model(self, name: str) -> ModelSpec:
        """The model config named ``name`` (KeyError if absent)."""
        return _by_name(self.models, name, "model")

    def tool(self, name: str) -> ToolSpec:
        """The tool named ``name`` (KeyError if absent)."""
        return _by_name(self.tools, name, "tool")


def _by_name(items: list[Any], name: str, kind: str) -> Any:
    for item in items:
        if item.name == name:
            return item
    raise KeyError(f'no {kind} named "{name}" in this document')


class AgentUsage(_Doc):
    """Tokens and cost one agent spent in a run (summed from its ``usage`` events)."""

    agent: str = Field(description="Agent name.")
    model: str = Field(default="", description="litellm model of the last call.")
    calls: int = Field(default=0, ge=0, description="Number of LLM calls.")
    prompt_tokens: int = Field(default=0, ge=0, description="Prompt tokens, all calls.")
    completion_tokens: int = Field(default=0, ge=0, description="Completion tokens, all calls.")
    cost: float | None = Field(default=None, description="USD; None when no call's price was known.")


class RunMeta(_Doc):
    """A run's metadata, as exported."""

    uid: str = Field(min_length=1, max_length=64, description="Globally unique id; re-import is a no-op.")
    team: str = Field(description="Name of the team at the time of the run.")
    task: str = Field(description="The task the initiator sent.")
    status: RunStatus = Field(description="Lifecycle state.")
    created_at: float = Field(description="Unix time the run was created.")
    started_at: float | None = Field(default=None, description="Unix time it started running.")
    finished_at: float | None = Field(default=None, description="Unix time it ended.")
    error: str | None = Field(default=None, description="Why it failed, if it did.")
    usage: list[AgentUsage] = Field(default_factory=list, description="Per-agent tokens and cost.")


class EventRecord(_Doc):
    """One stored event: the row's columns plus the event as JSON (``components.events`` codec)."""

    seq: int = Field(ge=1, description="Position in the run, from 1, without gaps.")
    kind: str = Field(description="The event's ``kind`` tag.")
    sender: str | None = Field(default=None, description="Agent that acted (sender, initiator or agent).")
    recipient: str | None = Field(default=None, description="Agent addressed, where there is one.")
    ts: float = Field(description="Unix time the event was created.")
    payload: dict[str, Any] = Field(description="The full event.")


class RunDocument(_Doc):
    """A whole run for export: metadata, the team snapshot it ran, and every stored event."""

    format: Literal["roundtable.run"] = Field(default=RUN_FORMAT, description="Marks a run document.")
    schema_version: int = Field(default=SCHEMA_VERSION, ge=1, description="Document format version.")
    run: RunMeta = Field(description="Metadata.")
    snapshot: TeamDocument = Field(description="The resolved team the run used.")
    events: list[EventRecord] = Field(default_factory=list, description="Events in seq order.")
