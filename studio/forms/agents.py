"""The Agents page's form: kinds and their defaults, an AgentSpec <-> form values, and saving it."""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import Any

from pydantic import ValidationError

from components.agentchat.assistant import DEFAULT_SYSTEM_MESSAGE as ASSISTANT_PROMPT
from components.agentchat.conversable import ConversableAgent
from storage import Database
from storage.designs import list_tools, save_agent
from storage.documents import AgentSpec
from studio.auth import current_actor
from studio.formstate import Form


@dataclass(frozen=True)
class Kind:
    label: str
    explanation: str
    default_prompt: str
    input_mode: str
    code_execution: str
    uses_model: bool


KINDS: dict[str, Kind] = {
    "assistant": Kind(
        "Assistant", "Thinks with a model and writes answers and code. Never asks you anything (AutoGen's "
        "AssistantAgent).", ASSISTANT_PROMPT, "NEVER", "none", True,
    ),
    "user_proxy": Kind(
        "User proxy", "Stands in for you: runs the code it receives and reports the result, and asks you "
        "before each reply (AutoGen's UserProxyAgent). It needs no model.", "", "ALWAYS", "local", False,
    ),
    "conversable": Kind(
        "Custom", "A general agent you set up yourself: a model, code execution, or both (AutoGen's "
        "ConversableAgent). Asks you when the chat is about to end.", ConversableAgent.DEFAULT_SYSTEM_MESSAGE,
        "TERMINATE", "none", True,
    ),
}
INPUT_MODES = {
    "NEVER": "Never: the agent replies on its own",
    "TERMINATE": "Only when the chat is about to end",
    "ALWAYS": "Before every reply: you answer, or press Enter to let it reply itself",
}
TERMINATION_MODES = {
    "default": "A message that is exactly the keyword",
    "endswith": "A message that ends with the keyword",
    "contains": "A message that contains the keyword",
    "never": "Never (stop by the reply limit or the team's turns)",
}
EXEC_MODES = {
    "none": "Don't run code",
    "local": "On this computer (a folder of its own for each run)",
    "docker": "In a Docker sandbox (isolated container)",
}
LAST_N_CHOICES: list[Any] = ["auto", 1, 2, 3, 5, 10]


def kind_values(kind: str, default_model: str | None) -> dict[str, Any]:
    """The fields a kind decides: AutoGen's defaults, except that a new user proxy runs code locally."""
    info = KINDS[kind]
    return {
        "kind": kind, "custom_prompt": False, "system_message": info.default_prompt,
        "model": default_model if info.uses_model and default_model else "",
        "human_input_mode": info.input_mode, "exec_mode": info.code_execution,
    }


def new_values(default_model: str | None) -> dict[str, Any]:
    spec = AgentSpec(name="new_agent")
    values = values_from_spec(spec)
    values.update(kind_values("assistant", default_model), name="")
    return values


def values_from_spec(spec: AgentSpec) -> dict[str, Any]:
    ex, ctx = spec.code_execution, spec.context
    return {
        "name": spec.name, "display_name": spec.display_name or "", "kind": spec.kind, "description": spec.description,
        "custom_prompt": spec.system_message is not None,
        "system_message": spec.system_message if spec.system_message is not None else KINDS[spec.kind].default_prompt,
        "model": spec.model or "", "human_input_mode": spec.human_input_mode,
        "limit_replies": spec.max_consecutive_auto_reply is not None,
        "max_replies": spec.max_consecutive_auto_reply if spec.max_consecutive_auto_reply is not None else 10,
        "term_mode": spec.termination.mode, "term_keyword": spec.termination.keyword,
        "exec_mode": ex.mode, "exec_timeout": int(ex.timeout), "exec_last_n": ex.last_n_messages,
        "exec_work_dir": ex.work_dir or "", "docker_image": ex.image, "docker_memory": ex.memory_mb or 0,
        "docker_cpus": float(ex.cpus or 0.0), "docker_pids": ex.pids_limit or 0, "docker_network": ex.network,
        "tools": list(spec.tools), **{f"mcp.{source}": list(chosen) for source, chosen in spec.mcp_tools.items()},
        "ctx_messages": ctx.max_messages or 0, "ctx_tokens": ctx.max_tokens or 0,
        "default_auto_reply": spec.default_auto_reply,
    }


def change_kind(form: Form, default_model: str | None) -> None:
    """on_change of the kind: apply the new kind's defaults (the page says so)."""
    for field, value in kind_values(form.get("kind"), default_model).items():
        form.set(field, value)
    st_note = f"Set to the defaults of a {KINDS[form.get('kind')].label.lower()}: instructions, model, human input and code execution."
    form.set("kind_note", st_note)


def mcp_choices(form: Form, listings: dict[str, list[str]]) -> dict[str, list[str]]:
    """The tools chosen of each MCP server the agent uses; a server whose every listed tool is chosen is left
    out (all its tools, including any it adds later)."""
    choices = {}
    for source in form.get("tools") or []:
        if source not in listings:
            continue
        chosen = form.get(f"mcp.{source}")
        if chosen is None or (listings[source] and set(chosen) == set(listings[source])):
            continue
        choices[source] = list(chosen)
    return choices


def spec_from_form(form: Form, listings: dict[str, list[str]] | None = None) -> AgentSpec | None:
    """The AgentSpec the form describes, or None with the errors recorded next to their fields.

    ``listings``: the tools each MCP server listed last, by server name.
    """
    kind = form.get("kind")
    try:
        return AgentSpec(
            name=(form.get("name") or "").strip(),
            display_name=(form.get("display_name") or "").strip() or None,
            kind=kind,
            description=(form.get("description") or "").strip(),
            system_message=form.get("system_message") if form.get("custom_prompt") else None,
            model=form.get("model") or None,
            human_input_mode=form.get("human_input_mode"),
            max_consecutive_auto_reply=form.get("max_replies") if form.get("limit_replies") else None,
            termination={"mode": form.get("term_mode"), "keyword": (form.get("term_keyword") or "").strip()},
            code_execution={
                "mode": form.get("exec_mode"), "timeout": form.get("exec_timeout"),
                "last_n_messages": form.get("exec_last_n"), "work_dir": (form.get("exec_work_dir") or "").strip() or None,
                "image": (form.get("docker_image") or "").strip(), "memory_mb": form.get("docker_memory") or None,
                "cpus": form.get("docker_cpus") or None, "pids_limit": form.get("docker_pids") or None,
                "network": bool(form.get("docker_network")),
            },
            tools=list(form.get("tools") or []),
            mcp_tools=mcp_choices(form, listings or {}),
            context={"max_messages": form.get("ctx_messages") or None, "max_tokens": form.get("ctx_tokens") or None},
            default_auto_reply=form.get("default_auto_reply") or "",
        )
    except ValidationError as error:
        form.take_validation_error(error, _FIELDS)
        return None


_FIELDS = {
    "termination.keyword": "term_keyword", "termination": "term_keyword", "code_execution.image": "docker_image",
    "code_execution.memory_mb": "docker_memory", "code_execution.timeout": "exec_timeout",
    "code_execution.last_n_messages": "exec_last_n", "code_execution.work_dir": "exec_work_dir", "code_execution": "exec_mode", "max_consecutive_auto_reply": "max_replies",
}


def save(db: Database, form: Form) -> None:
    """Save button (on_click): store the agent, or record each problem next to its field."""
    form.clear_errors()
    form.set("kind_note", "")
    listings = {t.name: t.server.tool_names() for t in list_tools(db, current_actor()) if t.kind == "mcp" and t.server is not None}
    spec = spec_from_form(form, listings)
    if spec is None:
        return
    if spec.tools and not spec.model:
        form.add_error("tools", "tools are offered to the agent's model: choose a model above, or remove the tools")
        return
    if form.store(partial(save_agent, db, actor=current_actor()), spec):
        form.saved(spec.name, "agent")
