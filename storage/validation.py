"""Validate team and run documents, reporting every problem with its JSON path.

Structure is checked by pydantic (``storage.documents``); references between parts (an agent's model,
a team's members, transitions) are checked here on the raw data, so that a document with both kinds of
mistakes reports them all at once rather than one per attempt.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from typing import Any

from pydantic import ValidationError

from components.events import event_from_dict
from storage.documents import (
    RUN_FORMAT,
    SCHEMA_VERSION,
    TEAM_FORMAT,
    RunDocument,
    TeamDocument,
)
from storage.errors import DocumentError, Problem

_IMPORT_HINT = "Only files written by Roundtable's export can be imported; export the team or run again."
_FRIENDLY = {
    "extra_forbidden": "unknown field (Roundtable documents have no such field)",
    "missing": "required field is missing",
}


def join_path(path: str, name: str) -> str:
    """``join_path("agents[1]", "model")`` -> ``agents[1].model``; an empty path gives just the name."""
    return f"{path}.{name}" if path else name


def json_path(loc: Iterable[int | str], prefix: str = "") -> str:
    """``("agents", 1, "model")`` -> ``agents[1].model``."""
    path = prefix
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path = f"{path}.{part}" if path else str(part)
    return path


def pydantic_problems(
    error: ValidationError, prefix: str = "", union_tag: str | None = None
) -> list[Problem]:
    """One Problem per pydantic error; ``union_tag`` drops a discriminated union's tag from the paths."""
    problems = []
    for item in error.errors(include_url=False):
        loc = item["loc"][1:] if union_tag is not None and item["loc"][:1] == (union_tag,) else item["loc"]
        message = _FRIENDLY.get(item["type"], item["msg"]).removeprefix("Value error, ")
        problems.append(Problem(json_path(loc, prefix), message))
    return problems


def _quoted(names: Iterable[str]) -> str:
    return ", ".join(f'"{n}"' for n in names)


def _names(items: Any, section: str, problems: list[Problem]) -> list[str]:
    """Names of the dict items in a raw list, reporting duplicates."""
    names: list[str] = []
    if not isinstance(items, list):
        return names
    first_seen: dict[str, int] = {}
    for index, item in enumerate(items):
        name = item.get("name") if isinstance(item, dict) else None
        if not isinstance(name, str):
            continue
        if name in first_seen:
            problems.append(
                Problem(
                    f"{section}[{index}].name",
                    f'"{name}" is defined twice (also {section}[{first_seen[name]}])',
                )
            )
        else:
            first_seen[name] = index
            names.append(name)
    return names


def _unknown(kind: str, name: str, known: Sequence[str], where: str) -> str:
    defined = f"{where} defined: {_quoted(known)}" if known else f"no {where} defined"
    return f'unknown {kind} "{name}" ({defined})'


def agent_problems(
    agent: Any,
    path: str,
    models: Sequence[str],
    tools: Sequence[str],
    where: str = "",
) -> list[Problem]:
    """References of one raw agent dict: its model and tools must exist."""
    problems: list[Problem] = []
    if not isinstance(agent, dict):
        return problems
    model = agent.get("model")
    if isinstance(model, str) and model not in models:
        problems.append(Problem(join_path(path, "model"), _unknown("model", model, models, where + "models")))
    agent_tools = agent.get("tools")
    if isinstance(agent_tools, list):
        for index, tool in enumerate(agent_tools):
            if isinstance(tool, str) and tool not in tools:
                problems.append(
                    Problem(
                        join_path(path, f"tools[{index}]"), _unknown("tool", tool, tools, where + "tools")
                    )
                )
            elif tool in agent_tools[:index]:
                problems.append(Problem(join_path(path, f"tools[{index}]"), f'"{tool}" is listed twice'))
    problems += _mcp_choice_problems(agent, path)
    return problems


def _mcp_choice_problems(agent: dict[str, Any], path: str) -> list[Problem]:
    """An agent's choice of an MCP server's tools names a source it lists, and at least one tool."""
    choices, listed = agent.get("mcp_tools"), agent.get("tools")
    if not isinstance(choices, dict):
        return []
    listed = listed if isinstance(listed, list) else []
    problems = []
    for source, chosen in choices.items():
        here = join_path(path, f"mcp_tools.{source}")
        if source not in listed:
            problems.append(Problem(here, f'chooses tools of "{source}", which is not among this agent\'s tools'))
        elif isinstance(chosen, list) and not chosen:
            problems.append(Problem(here, f'choose at least one tool of "{source}" (or remove it from tools)'))
    return problems


def _member_problems(
    team: dict[str, Any],
    path: str,
    agents: Sequence[str],
    where: str,
) -> tuple[list[str], list[Problem]]:
    """Problems with the member list, and the members that are valid."""
    members = team.get("members")
    problems: list[Problem] = []
    valid: list[str] = []
    if not isinstance(members, list):
        return valid, problems
    for index, name in enumerate(members):
        if not isinstance(name, str):
            continue
        if name not in agents:
            problems.append(
                Problem(join_path(path, f"members[{index}]"), f'agent "{name}" is not in {where}agents')
            )
        elif name in valid:
            problems.append(Problem(join_path(path, f"members[{index}]"), f'"{name}" is listed twice'))
        else:
            valid.append(name)
    kind = team.get("kind", "group")
    if kind == "two_agent" and len(members) != 2:
        problems.append(
            Problem(
                join_path(path, "members"), f"a two-agent chat needs exactly 2 members, got {len(members)}"
            )
        )
    elif kind == "group" and len(members) < 2:
        problems.append(
            Problem(join_path(path, "members"), f"a group chat needs at least 2 members, got {len(members)}")
        )
    return valid, problems


def team_problems(
    team: Any,
    path: str,
    agents: Sequence[str],
    models: Sequence[str],
    where: str = "",
) -> list[Problem]:
    """References of one raw team dict: members, initiator, transitions and manager model."""
    if not isinstance(team, dict):
        return []
    members, problems = _member_problems(team, path, agents, where)
    initiator = team.get("initiator")
    if (
        isinstance(initiator, str)
        and isinstance(team.get("members"), list)
        and initiator not in team["members"]
    ):
        problems.append(
            Problem(
                join_path(path, "initiator"),
                f'"{initiator}" is not a member (members: {_quoted(map(str, team["members"]))})',
            )
        )
    manager = team.get("manager_model")
    if isinstance(manager, str) and manager not in models:
        problems.append(
            Problem(join_path(path, "manager_model"), _unknown("model", manager, models, where + "models"))
        )
    termination = team.get("termination")
    if team.get("kind") == "two_agent" and isinstance(termination, dict) and termination.get("bare_terminate") is False:
        problems.append(Problem(
            join_path(path, "termination.bare_terminate"),
            "only group chats use this: in a two-agent chat each agent's own end rule decides whether TERMINATE ends it",
        ))
    transitions = team.get("transitions")
    if isinstance(transitions, dict):
        if team.get("kind") == "two_agent":
            problems.append(
                Problem(join_path(path, "transitions"), "only group chats use speaker transitions")
            )
        edges = transitions.get("edges")
        for source, targets in edges.items() if isinstance(edges, dict) else ():
            edge_path = join_path(path, f"transitions.edges.{source}")
            if source not in members:
                problems.append(Problem(edge_path, f'"{source}" is not a member'))
            for index, target in enumerate(targets if isinstance(targets, list) else ()):
                if isinstance(target, str) and target not in members:
                    problems.append(Problem(f"{edge_path}[{index}]", f'"{target}" is not a member'))
    return problems


def _envelope_problems(data: Any, expected: str) -> list[Problem]:
    """Is this a Roundtable document of the expected format and a version we can read?"""
    if not isinstance(data, dict):
        return [Problem("", f"expected a JSON object, got {type(data).__name__}: not a Roundtable export")]
    found = data.get("format")
    if found != expected:
        if found in (TEAM_FORMAT, RUN_FORMAT):
            kind = "team" if found == TEAM_FORMAT else "run"
            return [Problem("format", f"this is a Roundtable {kind} export; import it as a {kind}")]
        return [Problem("format", f'not a Roundtable export (expected "format": "{expected}")')]
    version = data.get("schema_version")
    if isinstance(version, int) and version > SCHEMA_VERSION:
        return [
            Problem(
                "schema_version",
                (
                    f"version {version} was written by a newer Roundtable; this one reads up to "
                    f"{SCHEMA_VERSION}: upgrade Roundtable to import it"
                ),
            )
        ]
    return []


def _team_reference_problems(data: dict[str, Any], prefix: str = "") -> list[Problem]:
    problems: list[Problem] = []
    models = _names(data.get("models"), join_path(prefix, "models"), problems)
    tools = _names(data.get("tools"), join_path(prefix, "tools"), problems)
    agents = _names(data.get("agents"), join_path(prefix, "agents"), problems)
    raw_agents = data.get("agents")
    for index, agent in enumerate(raw_agents if isinstance(raw_agents, list) else ()):
        problems += agent_problems(agent, join_path(prefix, f"agents[{index}]"), models, tools)
    problems += team_problems(data.get("team"), join_path(prefix, "team"), agents, models)
    return problems


def _structure_problems(model: type[Any], data: Any) -> tuple[Any, list[Problem]]:
    try:
        return model.model_validate(data), []
    except ValidationError as error:
        return None, pydantic_problems(error)


def check_team_document(data: Any) -> tuple[TeamDocument | None, list[Problem]]:
    """Validate raw data as a team document: the document (if valid) and every problem found."""
    problems = _envelope_problems(data, TEAM_FORMAT)
    if problems:
        return None, problems
    document, problems = _structure_problems(TeamDocument, data)
    problems += _team_reference_problems(data)
    return (document if not problems else None), problems


def _event_problems(events: Any) -> list[Problem]:
    problems: list[Problem] = []
    for index, record in enumerate(events if isinstance(events, list) else ()):
        if not isinstance(record, dict):
            continue
        if record.get("seq") != index + 1:
            problems.append(
                Problem(f"events[{index}].seq", f"expected {index + 1}, got {record.get('seq')!r}")
            )
        payload = record.get("payload")
        if not isinstance(payload, dict):
            continue
        try:
            event = event_from_dict(payload)
        except ValidationError as error:
            problems += pydantic_problems(error, f"events[{index}].payload", str(payload.get("kind")))
            continue
        if event.kind != record.get("kind"):
            problems.append(
                Problem(f"events[{index}].kind", f'"{record.get("kind")}" but the payload is "{event.kind}"')
            )
    return problems


def check_run_document(data: Any) -> tuple[RunDocument | None, list[Problem]]:
    """Validate raw data as a run document: the document (if valid) and every problem found."""
    problems = _envelope_problems(data, RUN_FORMAT)
    if problems:
        return None, problems
    document, problems = _structure_problems(RunDocument, data)
    snapshot = data.get("snapshot")
    if isinstance(snapshot, dict):
        problems += _team_reference_problems(snapshot, "snapshot")
    problems += _event_problems(data.get("events"))
    return (document if not problems else None), problems


MAX_NESTING = 100  # far deeper than any document Roundtable writes; a hostile file cannot exhaust the stack


_STRING_OR_BRACKET = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]')


def _too_deep(text: str, limit: int = MAX_NESTING) -> bool:
    """True if arrays/objects nest deeper than ``limit`` (brackets inside strings do not count)."""
    depth = 0
    for match in _STRING_OR_BRACKET.finditer(text):
        char = match.group(0)
        if char in "[{":
            depth += 1
            if depth > limit:
                return True
        elif char in "]}":
            depth -= 1
    return False


def read_json(text: str | bytes, source: str) -> Any:
    """JSON from a file a person uploaded: DocumentError (one clear problem) for bad JSON or too deep nesting."""
    try:
        if _too_deep(text.decode() if isinstance(text, bytes) else text):
            problem = Problem("", f"nested too deeply (more than {MAX_NESTING} levels of arrays and objects)")
            raise DocumentError(source, [problem], _IMPORT_HINT)
        return json.loads(text)
    except RecursionError:  # a backstop: the check above should make this unreachable
        raise DocumentError(source, [Problem("", "nested too deeply")], _IMPORT_HINT) from None
    except UnicodeDecodeError:
        raise DocumentError(source, [Problem("", "not UTF-8 text")], _IMPORT_HINT) from None
    except json.JSONDecodeError as error:
        problem = Problem("", f"not valid JSON ({error.msg} at line {error.lineno}, column {error.colno})")
        raise DocumentError(source, [problem], _IMPORT_HINT) from None


def parse_team_document(data: Any, source: str = "team document") -> TeamDocument:
    """Raw data -> TeamDocument, or DocumentError listing every problem."""
    document, problems = check_team_document(data)
    if document is None:
        raise DocumentError(source, problems, _IMPORT_HINT)
    return document


def parse_run_document(data: Any, source: str = "run document") -> RunDocument:
    """Raw data -> RunDocument, or DocumentError listing every problem."""
    document, problems = check_run_document(data)
    if document is None:
        raise DocumentError(source, problems, _IMPORT_HINT)
    return document


def load_team_json(text: str | bytes, source: str) -> TeamDocument:
    """Parse an uploaded team file; ``source`` (the file name) appears in every error."""
    return parse_team_document(read_json(text, source), source)


def load_run_json(text: str | bytes, source: str) -> RunDocument:
    """Parse an uploaded run file; ``source`` (the file name) appears in every error."""
    return parse_run_document(read_json(text, source), source)


def dump_document(document: TeamDocument | RunDocument) -> str:
    """The document as indented JSON, ready to write to a file."""
    return document.model_dump_json(indent=2)
