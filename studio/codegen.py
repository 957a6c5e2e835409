"""A team design as a runnable Python script that uses the ``components`` API, for programmers.

The script builds the same agents the studio's run engine builds (``studio.builder``), in plain AutoGen
style, so a design can leave the studio and grow in code. It never contains a key: a model's key is read
from the environment variable its design names (``api_key_env``); a key stored in the studio stays there.
"""

from __future__ import annotations

import keyword
import re
from collections.abc import Iterable

from storage.documents import (
    AgentSpec,
    ModelSpec,
    TeamDocument,
    TeamTerminationSpec,
    TerminationSpec,
    ToolSpec,
)
from studio.builder import llm_config_for
from studio.codegen_mcp import mcp_imports, mcp_registrations, mcp_servers

_CLASSES = {"assistant": "AssistantAgent", "user_proxy": "UserProxyAgent", "conversable": "ConversableAgent"}
_RESERVED = {"sys", "main", "show", "manager", "groupchat", "task", "result", "components"}
_TERMINATION = {
    "default": "content_str(m.get('content')).strip() == {kw!r}",
    "endswith": "content_str(m.get('content')).strip().endswith({kw!r})",
    "contains": "{kw!r} in content_str(m.get('content'))",
}


def script_file_name(document: TeamDocument) -> str:
    return (re.sub(r"[^a-z0-9]+", "_", document.team.name.lower()).strip("_") or "team") + ".py"


def team_script(document: TeamDocument, stored_keys: Iterable[str] = (), task: str = "") -> str:
    """The script's source. ``stored_keys``: models whose key lives in the studio (the script says so)."""
    names = _Names({*(t.name for t in document.tools if t.kind == "python")})
    agent_vars = {a.name: names.variable(a.name) for a in document.agents if a.name in document.team.members}
    model_vars = {m.name: names.constant(m.name) for m in document.models}
    servers = _used_servers(document, agent_vars)
    server_vars = {t.name: (names.constant(f"{t.name}_server"), names.variable(f"{t.name}_session")) for t in servers}
    agents = "\n\n".join(
        _agent(document.agent(name), document.speaking_names()[name], var, model_vars,
               _pair_rule(document, agent_vars, name))
        for name, var in agent_vars.items()
    )
    parts = [
        _header(document),
        _imports(document),
        _models(document.models, model_vars, set(stored_keys)),
        _tools(document),
        _section("MCP servers") + "\n".join(mcp_servers(servers, server_vars)) if servers else "",
        _section("Agents") + agents,
        _tool_registrations(document, agent_vars),
        _team(document, agent_vars, model_vars),
        _main(document, agent_vars, task, mcp_registrations(document, agent_vars, server_vars)),
    ]
    return "\n\n".join(p for p in parts if p).rstrip() + "\n"


def _used_servers(document: TeamDocument, agent_vars: dict[str, str]) -> list[ToolSpec]:
    used = [t for a in document.agents if a.name in agent_vars for t in a.tools]
    return [document.tool(name) for name in dict.fromkeys(used) if document.tool(name).kind == "mcp"]


def _section(title: str) -> str:
    return f"# -- {title} " + "-" * (96 - len(title)) + "\n"


class _Names:
    """Python identifiers for agents and models, unique and never a keyword or a name the script uses."""

    def __init__(self, taken: set[str]) -> None:
        self.taken = set(_RESERVED) | taken

    def _unique(self, base: str) -> str:
        name, number = base, 2
        while name in self.taken or keyword.iskeyword(name):
            name, number = f"{base}_{number}", number + 1
        self.taken.add(name)
        return name

    def variable(self, text: str) -> str:
        base = re.sub(r"\W+", "_", text).strip("_") or "agent"
        return self._unique(f"agent_{base}" if base[0].isdigit() else base)

    def constant(self, text: str) -> str:
        base = re.sub(r"\W+", "_", text).strip("_").upper() or "MODEL"
        return self._unique(f"LLM_{base}" if base[0].isdigit() else base)


def _header(document: TeamDocument) -> str:
    team = document.team
    about = f"\n{team.description}\n" if team.description else ""
    return f'''"""{team.name}: a Roundtable team, exported as a Python script.
{about}
Run it from the Roundtable project folder (or with it on PYTHONPATH):
    python {script_file_name(document)} "your task"
API keys are read from the environment variables named below; this file contains none.
"""'''


def _imports(document: TeamDocument) -> str:
    classes = {_CLASSES[a.kind] for a in document.agents if a.name in document.team.members}
    names = classes | {"MessageSent", "content_str", "default_bus"}
    if any(a.code_execution.mode != "none" for a in document.agents):
        names.add("CodeExecutionConfig")
    if document.team.kind == "group":
        names |= {"GroupChat", "GroupChatManager"}
    if any(a.context.max_messages or a.context.max_tokens for a in document.agents):
        names.add("limit_context")
    if any(document.tool(t).kind == "python" for a in document.agents for t in a.tools):
        names.add("register_function")
    listed = "".join(f"    {name},\n" for name in sorted(names, key=str.lower))
    return f"import sys\n\nfrom components import (\n{listed}){mcp_imports(document)}"


def _models(models: list[ModelSpec], model_vars: dict[str, str], stored: set[str]) -> str:
    if not models:
        return ""
    lines = [_section("Models").rstrip()]
    for model in models:
        config = llm_config_for(model)
        if model.api_key_env:
            lines.append(f"# The key is read from ${model.api_key_env} when the model is called.")
        elif model.name in stored:
            lines.append('# The studio keeps this model\'s key; set one here, e.g. "api_key_env": "MY_KEY_VARIABLE".')
        lines.append(f"{model_vars[model.name]} = {_dict_literal(config)}")
    return "\n".join(lines)


def _tools(document: TeamDocument) -> str:
    functions = [t for t in document.tools if t.kind == "python"]
    if not functions:
        return ""
    return _section("Tools") + "\n\n".join(t.source.strip() + "\n" for t in functions)


def _agent(
    agent: AgentSpec, speaking_name: str, var: str, model_vars: dict[str, str], team_rule: str | None = None
) -> str:
    args = [f"name={speaking_name!r}"]
    if agent.system_message is not None:
        args.append(f"system_message={_text(agent.system_message)}")
    if agent.description:
        args.append(f"description={agent.description!r}")
    args.append(f"llm_config=dict({model_vars[agent.model]})" if agent.model else "llm_config=False")
    args.append(f"human_input_mode={agent.human_input_mode!r}")
    if agent.max_consecutive_auto_reply is not None:
        args.append(f"max_consecutive_auto_reply={agent.max_consecutive_auto_reply}")
    own = _termination(agent.termination)
    args.append("is_termination_msg=lambda m: " + (f"{own} or {team_rule}" if team_rule else own))
    args.append(f"code_execution_config={_code_execution(agent)}")
    if agent.default_auto_reply:
        args.append(f"default_auto_reply={agent.default_auto_reply!r}")
    source = f"{var} = {_CLASSES[agent.kind]}(\n" + "".join(f"    {a},\n" for a in args) + ")"
    context = agent.context
    if context.max_messages or context.max_tokens:
        source += f"\nlimit_context({var}, max_messages={context.max_messages}, max_tokens={context.max_tokens})"
    return source


def _termination(spec: TerminationSpec) -> str:
    """The agent's own rule as an expression over the message ``m``."""
    if spec.mode == "never":
        return "False"
    return _TERMINATION[spec.mode].format(kw=spec.keyword)


def _team_rule(rules: TeamTerminationSpec | None, count: str) -> str | None:
    """The team's rules as an expression over ``m``; ``count`` is how many messages the chat holds."""
    if rules is None:
        return None
    parts = []
    if rules.text_mention is not None:
        parts.append(f"({count} > 1 and {rules.text_mention!r} in content_str(m.get('content')))")  # not the task
    if rules.max_messages is not None:
        parts.append(f"{count} >= {rules.max_messages}")
    return " or ".join(parts)


def _manager_check(rules: TeamTerminationSpec | None) -> str | None:
    """The group manager's ``is_termination_msg`` (it sees every message): the team's rules, and AutoGen's
    default "TERMINATE" unless the team turned it off; None when the team has no rules (AutoGen's default)."""
    if rules is None:
        return None
    parts = (["content_str(m.get('content')) == 'TERMINATE'"] if rules.bare_terminate else [])
    rule = _team_rule(rules, "len(groupchat.messages)")
    return "lambda m: " + " or ".join([*parts, rule] if rule else parts or ["False"])


def _pair_rule(document: TeamDocument, agent_vars: dict[str, str], name: str) -> str | None:
    """A two-agent team's rules on one agent, counting the messages it shares with the other (as the builder)."""
    team = document.team
    if team.kind != "two_agent":
        return None
    partner = next((agent_vars[m] for m in team.members if m != name), None)
    return _team_rule(team.termination, f"len({agent_vars[name]}.chat_messages.get({partner}, []))")


def _code_execution(agent: AgentSpec) -> str:
    spec = agent.code_execution
    if spec.mode == "none":
        return "False"
    args = [f"work_dir={spec.work_dir or 'coding'!r}", f"timeout={int(spec.timeout)}",
            f"last_n_messages={spec.last_n_messages!r}"]
    if spec.mode == "local":
        args.append("use_docker=False")
    else:
        options = {"network": spec.network, **{n: getattr(spec, n) for n in ("memory_mb", "cpus", "pids_limit")
                                                if getattr(spec, n) is not None}}
        args += ["use_docker=True", f"image={spec.image!r}", f"docker={options!r}"]
    return "CodeExecutionConfig(" + ", ".join(args) + ")"


def _tool_registrations(document: TeamDocument, agent_vars: dict[str, str]) -> str:
    proxies = [agent_vars[a.name] for a in document.agents if a.name in agent_vars and a.kind == "user_proxy"]
    executors = proxies or list(agent_vars.values())
    lines = []
    for agent in document.agents:
        for tool_name in agent.tools if agent.name in agent_vars else ():
            tool = document.tool(tool_name)
            if tool.kind == "mcp":
                continue  # registered once its server has started (main)
            for executor in executors:
                lines.append(
                    f"register_function({tool.name}, caller={agent_vars[agent.name]}, executor={executor}, "
                    f"name={tool.name!r}, description={tool.description or None!r})"
                )
    if not lines:
        return ""
    who = "the user proxies" if proxies else "every member"
    return f"# Tools: the agent's model may call them; {who} run them.\n" + "\n".join(lines)


def _team(document: TeamDocument, agent_vars: dict[str, str], model_vars: dict[str, str]) -> str:
    team = document.team
    if team.kind != "group":
        return ""
    members = ", ".join(agent_vars[m] for m in team.members)
    # as studio.builder does: "auto" asks the manager's model, else the first member's; with none, turns in order
    from studio.validation import selection_model

    chooser = selection_model(team, [document.agent(n) for n in team.members]) if team.speaker_selection == "auto" else None
    manager_model = team.manager_model or (chooser[0] if chooser else None)
    selection = "round_robin" if team.speaker_selection == "auto" and not manager_model else team.speaker_selection
    group_args = [f"agents=[{members}]", "messages=[]", f"max_round={team.max_round}",
                  f"speaker_selection_method={selection!r}"]
    if team.send_introductions:
        group_args.append("send_introductions=True")
    if team.transitions is None:
        group_args.append(f"allow_repeat_speaker={team.allow_repeat_speaker}")
    else:
        graph = ", ".join(
            f"{agent_vars[s]}: [{', '.join(agent_vars[t] for t in ts)}]" for s, ts in team.transitions.edges.items()
        )
        group_args += [f"allowed_or_disallowed_speaker_transitions={{{graph}}}",
                       f"speaker_transitions_type={team.transitions.type!r}"]
    manager_llm = f"dict({model_vars[manager_model]})" if manager_model else "False"
    manager_args = f"groupchat=groupchat, llm_config={manager_llm}"
    check = _manager_check(team.termination)
    if check:
        manager_args = f"\n    groupchat=groupchat,\n    llm_config={manager_llm},\n    is_termination_msg={check},\n"
    return (_section("Group chat") + "groupchat = GroupChat(\n" + "".join(f"    {a},\n" for a in group_args) + ")\n"
            + f"manager = GroupChatManager({manager_args})")


def _main(document: TeamDocument, agent_vars: dict[str, str], task: str, mcp: tuple[str, list[str]] = ("", [])) -> str:
    team = document.team
    chat_args = ["message=task", f"summary_method={team.summary_method!r}"]
    if team.kind == "group":
        recipient = "manager"
    else:
        recipient = next(agent_vars[m] for m in team.members if m != team.initiator)
        if team.max_turns:
            chat_args.append(f"max_turns={team.max_turns}")
    fallback = repr(task) if task else 'input("Task: ")'
    return f'''{_section("Run")}
def show(event) -> None:
    """Print each message as it is sent (the studio draws the same events)."""
    if isinstance(event, MessageSent) and event.content:
        print(f"\\n--- {{event.sender}} -> {{event.recipient}}\\n{{content_str(event.content)}}", flush=True)


def main(task: str) -> None:
    default_bus.subscribe(show)
{_chat(f"result = {agent_vars[team.initiator]}.initiate_chat({recipient}, {', '.join(chat_args)})", mcp)}
    print("\\n=== Result\\n" + str(result.summary or ""))


if __name__ == "__main__":
{_entry(f'main(" ".join(sys.argv[1:]) or {fallback})', bool(mcp[0]))}'''


def _entry(call: str, has_servers: bool) -> str:
    """The script's entry: a server that cannot start ends it with its sentence, not a traceback."""
    if not has_servers:
        return f"    {call}"
    return (f"    try:\n        {call}\n    except McpServerError as error:\n"
            '        sys.exit(f"The team cannot start its tools: {error}")')


def _chat(call: str, mcp: tuple[str, list[str]]) -> str:
    """The chat call, inside the ``with`` that starts (and at the end stops) the team's MCP servers."""
    opening, registrations = mcp
    if not opening:
        return f"    {call}"
    body = "".join(f"        {line}\n" for line in [*registrations, call])
    return f"    {opening}\n{body}".rstrip("\n")


def _dict_literal(value: dict[str, object]) -> str:
    return "{\n" + "".join(f"    {k!r}: {v!r},\n" for k, v in value.items()) + "}"


def _text(value: str) -> str:
    """A string literal; long or multi-line text as a readable triple-quoted block."""
    if "\n" not in value and len(value) < 80:
        return repr(value)
    if '"""' in value or value.endswith(("\\", '"')):
        return "(\n" + "".join(f"        {line!r}\n" for line in value.splitlines(keepends=True)) + "    )"
    escaped = value.replace("\\", "\\\\")
    return f'"""{escaped}"""'
