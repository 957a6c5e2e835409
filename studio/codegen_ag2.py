"""A team design as a Python script for AG2 (``pip install "ag2[openai]"``, ``import autogen``).

The same team as ``studio.codegen`` writes for the ``components`` API, in AG2's spelling: models become
``config_list`` entries (an OpenAI-compatible server through ``base_url``), the team's end rules become
``is_termination_msg`` checks, context limits become AG2's message transforms. As with the components
export the script holds no key: each is read from the environment variable its model names.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable

from storage.documents import AgentSpec, ModelSpec, TeamDocument
from studio.codegen import (
    _CLASSES,
    _dict_literal,
    _manager_check,
    _Names,
    _pair_rule,
    _section,
    _termination,
    _text,
    script_file_name,
)
from studio.validation import selection_model

_LITELLM_ONLY = {"max_retries", "api_version"}  # api_version goes into an Azure entry itself


def ag2_file_name(document: TeamDocument) -> str:
    return script_file_name(document).removesuffix(".py") + "_ag2.py"


def ag2_script(document: TeamDocument, stored_keys: Iterable[str] = (), task: str = "") -> str:
    """The AG2 script's source. ``stored_keys``: models whose key lives in the studio (the script says so)."""
    names = _Names({*(t.name for t in document.tools), "os", "autogen", "key_from"})
    agent_vars = {a.name: names.variable(a.name) for a in document.agents if a.name in document.team.members}
    model_vars = {m.name: names.constant(m.name) for m in document.models}
    members = [document.agent(name) for name in agent_vars]
    parts = [
        _header(document),
        _imports(document, members),
        _key_helper(document),
        _models(document.models, model_vars, set(stored_keys)),
        _python_tools(document),
        _mcp_left_out(document, members),
        _section("Agents") + "\n\n".join(_agent(document, a, agent_vars, model_vars) for a in members),
        _tool_registrations(document, agent_vars),
        _team(document, agent_vars, model_vars),
        _main(document, agent_vars, task),
    ]
    return "\n\n".join(p for p in parts if p).rstrip() + "\n"


def _python_tools(document: TeamDocument) -> str:
    functions = [t for t in document.tools if t.kind == "python"]
    return _section("Tools") + "\n\n".join(t.source.strip() + "\n" for t in functions) if functions else ""


def _mcp_left_out(document: TeamDocument, members: list[AgentSpec]) -> str:
    """MCP servers are not written for AG2: say so plainly, where the tools would be."""
    used = dict.fromkeys(t for a in members for t in a.tools if document.tool(t).kind == "mcp")
    if not used:
        return ""
    lines = [_section("MCP servers: NOT exported").rstrip(),
             "# This AG2 script leaves out the team's MCP servers and their tools (Roundtable writes only Python",
             "# tools for AG2). Export the team for Roundtable's components to run it with them, or add them by hand."]
    for name in used:
        server = document.tool(name).server
        where = (" ".join([server.command or "", *server.args]) if server.transport == "stdio" else server.url) if server else ""
        users = [a.name for a in members if name in a.tools]
        lines.append(f"#   {name!r}: {where!r}, used by {', '.join(users)}")
    return "\n".join(lines)


def _header(document: TeamDocument) -> str:
    team = document.team
    about = f"\n{team.description}\n" if team.description else ""
    return f'''"""{team.name}: a Roundtable team, exported as a Python script for AG2.
{about}
Install AG2 and run it:
    pip install "ag2[openai]"
    python {ag2_file_name(document)} "your task"
API keys are read from the environment variables named below; this file contains none.
"""'''


def _imports(document: TeamDocument, members: list[AgentSpec]) -> str:
    names = {_CLASSES[a.kind] for a in members}
    if document.team.kind == "group":
        names |= {"GroupChat", "GroupChatManager"}
    if any(document.tool(t).kind == "python" for a in members for t in a.tools):
        names.add("register_function")
    lines = ["import os", "import sys", "", f"from autogen import {', '.join(sorted(names, key=str.lower))}"]
    limiters = sorted({"MessageHistoryLimiter" for a in members if a.context.max_messages}
                      | {"MessageTokenLimiter" for a in members if a.context.max_tokens})
    if limiters:
        lines += ["from autogen.agentchat.contrib.capabilities.transform_messages import TransformMessages",
                  f"from autogen.agentchat.contrib.capabilities.transforms import {', '.join(limiters)}"]
    lines.append("from autogen.code_utils import content_str")
    return "\n".join(lines)


def _key_helper(document: TeamDocument) -> str:
    if not any(m.api_key_env for m in document.models):
        return ""
    return '''
def key_from(variable: str) -> str:
    """A model's API key from the environment; stops with a sentence when the variable is not set."""
    value = os.environ.get(variable)
    if not value:
        sys.exit(f"Set the environment variable {variable} to the model's API key, then run the script again.")
    return value'''


def _entry(model: ModelSpec) -> tuple[dict[str, object], list[str]]:
    """The model's ``config_list`` entry (its key as a placeholder) and comments about it."""
    provider, _, name = model.model.partition("/") if "/" in model.model else ("openai", "", model.model)
    comments: list[str] = []
    entry: dict[str, object] = {"model": name, "api_type": "openai"}
    if provider == "azure":
        entry["api_type"] = "azure"
        if "api_version" in model.extra:
            entry["api_version"] = model.extra["api_version"]
    elif provider == "local":
        comments.append("# Roundtable's built-in model does not exist in AG2: point base_url at an OpenAI-compatible "
                        "server that serves it (e.g. llama.cpp's server).")
    elif provider != "openai":
        comments.append(f"# litellm's {provider!r} provider: AG2 reaches it here as an OpenAI-compatible server; "
                        "check the model name and base_url.")
    if model.api_base:
        entry["base_url"] = model.api_base
    if model.max_tokens is not None:
        entry["max_tokens"] = model.max_tokens
    entry |= {k: v for k, v in model.extra.items() if k not in _LITELLM_ONLY}
    return entry, comments


def _models(models: list[ModelSpec], model_vars: dict[str, str], stored: set[str]) -> str:
    if not models:
        return ""
    lines = [_section("Models").rstrip()]
    for model in models:
        entry, comments = _entry(model)
        lines += comments
        if model.api_key_env:
            key = f"key_from({model.api_key_env!r})"
            lines.append(f"# The key is read from ${model.api_key_env}.")
        else:
            key = 'os.environ.get("OPENAI_API_KEY", "not-needed")'
            if model.name in stored:
                lines.append("# The studio keeps this model's key: set OPENAI_API_KEY, or read another variable here.")
        body = _dict_literal(entry).removesuffix("}") + f"    'api_key': {key},\n}}"
        config = ["    'config_list': [" + body.replace("\n", "\n    ") + "],"]
        for name in ("temperature", "timeout"):
            if getattr(model, name) is not None:
                config.append(f"    {name!r}: {getattr(model, name)!r},")
        config.append("    'cache_seed': None,  # AG2 caches replies on disk unless this is None")
        lines.append(f"{model_vars[model.name]} = {{\n" + "\n".join(config) + "\n}")
    return "\n".join(lines)


def _code_execution(agent: AgentSpec) -> tuple[str, str]:
    """AG2's ``code_execution_config`` for the agent, and a comment for what AG2 cannot enforce."""
    spec = agent.code_execution
    if spec.mode == "none":
        return "False", ""
    config = {"work_dir": spec.work_dir or "coding", "timeout": int(spec.timeout), "last_n_messages": spec.last_n_messages,
              "use_docker": spec.image if spec.mode == "docker" else False}
    comment = ""
    if spec.mode == "docker":
        comment = ("# AG2 runs this agent's code in Docker without Roundtable's sandbox limits (no network, memory, "
                   "CPU and process limits).\n")
    return repr(config), comment


def _agent(document: TeamDocument, agent: AgentSpec, agent_vars: dict[str, str], model_vars: dict[str, str]) -> str:
    var = agent_vars[agent.name]
    args = [f"name={document.speaking_names().get(agent.name, agent.name)!r}"]  # a copy speaks as the original
    if agent.system_message is not None:
        args.append(f"system_message={_text(agent.system_message)}")
    if agent.description:
        args.append(f"description={agent.description!r}")
    args.append(f"llm_config=dict({model_vars[agent.model]})" if agent.model else "llm_config=False")
    args.append(f"human_input_mode={agent.human_input_mode!r}")
    if agent.max_consecutive_auto_reply is not None:
        args.append(f"max_consecutive_auto_reply={agent.max_consecutive_auto_reply}")
    own, rule = _termination(agent.termination), _pair_rule(document, agent_vars, agent.name)
    args.append("is_termination_msg=lambda m: " + (f"{own} or {rule}" if rule else own))
    code, comment = _code_execution(agent)
    args.append(f"code_execution_config={code}")
    if agent.default_auto_reply:
        args.append(f"default_auto_reply={agent.default_auto_reply!r}")
    source = comment + f"{var} = {_CLASSES[agent.kind]}(\n" + "".join(f"    {a},\n" for a in args) + ")"
    limits = []
    if agent.context.max_messages:
        limits.append(f"MessageHistoryLimiter(max_messages={agent.context.max_messages})")
    if agent.context.max_tokens:
        limits.append(f"MessageTokenLimiter(max_tokens={agent.context.max_tokens})")
    if limits:
        source += f"\nTransformMessages(transforms=[{', '.join(limits)}]).add_to_agent({var})"
    return source


def _docstring(source: str, name: str) -> str:
    tree = ast.parse(source)
    function = next(n for n in tree.body if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef) and n.name == name)
    return (ast.get_docstring(function) or name).strip().split("\n\n")[0]


def _tool_registrations(document: TeamDocument, agent_vars: dict[str, str]) -> str:
    proxies = [agent_vars[a.name] for a in document.agents if a.name in agent_vars and a.kind == "user_proxy"]
    executors = proxies or list(agent_vars.values())
    lines = []
    for agent in document.agents:
        for tool_name in agent.tools if agent.name in agent_vars else ():
            tool = document.tool(tool_name)
            if tool.kind == "mcp":
                continue  # not exported for AG2: the script says so (_mcp_left_out)
            description = tool.description or _docstring(tool.source, tool.name)
            lines += [f"register_function({tool.name}, caller={agent_vars[agent.name]}, executor={executor}, "
                      f"name={tool.name!r}, description={description!r})" for executor in executors]
    if not lines:
        return ""
    who = "the user proxies" if proxies else "every member"
    return f"# Tools: the agent's model may call them; {who} run them.\n" + "\n".join(lines)


def _team(document: TeamDocument, agent_vars: dict[str, str], model_vars: dict[str, str]) -> str:
    team = document.team
    if team.kind != "group":
        return ""
    members = [document.agent(n) for n in team.members]
    # as studio.builder does: "auto" asks the manager's model, else the first member's; with none, turns in order
    chooser = selection_model(team, members) if team.speaker_selection == "auto" else None
    manager_model = team.manager_model or (chooser[0] if chooser else None)
    selection = "round_robin" if team.speaker_selection == "auto" and not manager_model else team.speaker_selection
    picker = ""
    if team.transitions is not None and any(a.tools for a in members):
        picker = _TOOL_CALLS_FIRST.format(method=selection)
        selection_arg = "speaker_selection_method=tool_calls_first"
    else:
        selection_arg = f"speaker_selection_method={selection!r}"
    group_args = [f"agents=[{', '.join(agent_vars[m] for m in team.members)}]", "messages=[]",
                  f"max_round={team.max_round}", selection_arg]
    if team.send_introductions:
        group_args.append("send_introductions=True")
    if team.transitions is None:
        group_args.append(f"allow_repeat_speaker={team.allow_repeat_speaker}")
    else:
        graph = ", ".join(f"{agent_vars[s]}: [{', '.join(agent_vars[t] for t in ts)}]"
                          for s, ts in team.transitions.edges.items())
        group_args += [f"allowed_or_disallowed_speaker_transitions={{{graph}}}",
                       f"speaker_transitions_type={team.transitions.type!r}"]
    manager_llm = f"dict({model_vars[manager_model]})" if manager_model else "False"
    manager_args = ["groupchat=groupchat", f"llm_config={manager_llm}"]
    check = _manager_check(team.termination)
    if check:
        manager_args.append(f"is_termination_msg={check}")
    return (_section("Group chat") + picker + "groupchat = GroupChat(\n" + "".join(f"    {a},\n" for a in group_args) + ")\n"
            + "manager = GroupChatManager(\n" + "".join(f"    {a},\n" for a in manager_args) + ")")


# Roundtable's group chat gives a tool call to a member that can run it even where the speaker transitions
# lead elsewhere; AG2 would end the chat ("No next speaker selected"), so the script chooses that member itself.
_TOOL_CALLS_FIRST = '''def tool_calls_first(last_speaker, groupchat):
    """A tool call goes to a member that can run it (as in Roundtable); otherwise {method!r} with the transitions."""
    calls = groupchat.messages[-1].get("tool_calls") if groupchat.messages else None
    names = [call["function"]["name"] for call in calls or []]
    able = [agent for agent in groupchat.agents if names and agent.can_execute_function(names)]
    return able[0] if able else {method!r}


'''


def _main(document: TeamDocument, agent_vars: dict[str, str], task: str) -> str:
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
def main(task: str) -> None:
    """AG2 prints every message as it is sent ("writer (to chat_manager): ...")."""
    result = {agent_vars[team.initiator]}.initiate_chat({recipient}, {", ".join(chat_args)})
    print("\\n=== Result\\n" + str(result.summary or ""))


if __name__ == "__main__":
    main(" ".join(sys.argv[1:]) or {fallback})'''
