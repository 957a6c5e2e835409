"""The Teams page's form: a TeamSpec <-> form values, members' order, transitions, the graph, and saving."""

from __future__ import annotations

from functools import partial
from typing import Any

from pydantic import ValidationError

from storage import Database
from storage.designs import save_team
from storage.documents import TeamSpec, TeamTerminationSpec, TransitionsSpec
from studio.auth import current_actor
from studio.formstate import Form

KINDS = {
    "two_agent": "Two-agent chat: two agents take turns",
    "group": "Group chat: a manager picks who speaks next",
}
SPEAKER_SELECTION = {
    "auto": "Automatic: the manager's model picks the best next speaker",
    "round_robin": "In turn: members speak in the order listed",
    "random": "Random: a random member speaks next",
    "manual": "You pick: you are asked who speaks next",
}
SUMMARY = {"last_msg": "The last message", "reflection_with_llm": "A summary written by the model"}


def new_values() -> dict[str, Any]:
    return values_from_spec(TeamSpec(name="x", members=["a"], initiator="a")) | {
        "name": "", "members": [], "initiator": None, "kind": "two_agent",
    }


def values_from_spec(spec: TeamSpec) -> dict[str, Any]:
    transitions = spec.transitions
    return {
        "name": spec.name, "description": spec.description, "kind": spec.kind, "members": list(spec.members),
        "initiator": spec.initiator, "speaker_selection": spec.speaker_selection,
        "allow_repeat_speaker": spec.allow_repeat_speaker, "max_round": spec.max_round,
        "limit_turns": spec.max_turns is not None, "max_turns": spec.max_turns or 3,
        "summary_method": spec.summary_method, "manager_model": spec.manager_model or "",
        "send_introductions": spec.send_introductions, "use_transitions": transitions is not None,
        **termination_values(spec.termination),
        "transitions_type": transitions.type if transitions else "allowed",
        **{f"edges.{source}": list(targets) for source, targets in (transitions.edges.items() if transitions else ())},
    }


def termination_values(rules: TeamTerminationSpec | None) -> dict[str, Any]:
    phrase = rules.text_mention if rules else None
    limit = rules.max_messages if rules else None
    return {"stop_on_text": phrase is not None, "stop_text": phrase or "TERMINATE",
            "stop_on_count": limit is not None, "stop_count": limit or 10,
            "stop_on_bare_terminate": rules.bare_terminate if rules else True}


def termination_from_form(form: Form) -> dict[str, Any] | None:
    """The team's end rules as chosen (validated by TeamSpec), or None when neither box is ticked."""
    rules: dict[str, Any] = {}
    if form.get("stop_on_text"):
        rules["text_mention"] = form.get("stop_text") or ""
    if form.get("stop_on_count"):
        rules["max_messages"] = form.get("stop_count")
    if form.get("kind") == "group" and form.get("stop_on_bare_terminate") is False:
        rules["bare_terminate"] = False
    return rules or None


_RENAME = {"termination.text_mention": "stop_text", "termination.max_messages": "stop_count"}


def move(form: Form, name: str, step: int) -> None:
    """on_click of the up/down buttons next to a member."""
    members = list(form.get("members") or [])
    index = members.index(name)
    target = index + step
    if 0 <= target < len(members):
        members[index], members[target] = members[target], members[index]
        form.set("members", members)


def edges(form: Form) -> dict[str, list[str]]:
    """Who may follow whom, as chosen (members with nobody chosen are left out)."""
    members = list(form.get("members") or [])
    chosen = {m: [t for t in form.get(f"edges.{m}") or [] if t in members] for m in members}
    return {m: targets for m, targets in chosen.items() if targets}


def spec_from_form(form: Form) -> TeamSpec | None:
    members = list(form.get("members") or [])
    group = form.get("kind") == "group"
    transitions = None
    if group and form.get("use_transitions"):
        transitions = TransitionsSpec(type=form.get("transitions_type"), edges=edges(form))
    if not members:
        form.add_error("members", "choose the agents that take part")
    if not form.get("initiator"):
        form.add_error("initiator", "choose who sends the task")
    try:
        spec = TeamSpec(
            name=(form.get("name") or "").strip(), description=(form.get("description") or "").strip(),
            kind=form.get("kind"), members=members, initiator=form.get("initiator") or "",
            speaker_selection=form.get("speaker_selection"), allow_repeat_speaker=bool(form.get("allow_repeat_speaker")),
            transitions=transitions, max_round=form.get("max_round"),
            max_turns=form.get("max_turns") if form.get("limit_turns") else None,
            summary_method=form.get("summary_method"), manager_model=(form.get("manager_model") or None) if group else None,
            send_introductions=bool(form.get("send_introductions")) and group,
            termination=termination_from_form(form),
        )
    except ValidationError as error:
        form.take_validation_error(error, rename=_RENAME)
        return None
    return None if form.errors else spec


def save(db: Database, form: Form) -> None:
    """Save button (on_click): store the team, or record each problem next to its field."""
    form.clear_errors()
    spec = spec_from_form(form)
    if spec is None:
        return
    if form.store(partial(save_team, db, actor=current_actor()), spec):
        form.saved(spec.name, "team", " Click **Check the team** to see whether it is ready to run.")


def transitions_dot(members: list[str], edge_map: dict[str, list[str]], kind: str, initiator: str | None) -> str:
    """The speaker transitions as a Graphviz graph (drawn by st.graphviz_chart in the browser)."""
    color = "#4f46e5" if kind == "allowed" else "#dc2626"
    style = "solid" if kind == "allowed" else "dashed"
    lines = [
        "digraph transitions {", '  rankdir=LR; bgcolor="transparent";',
        '  node [shape=box, style="rounded,filled", fillcolor="#f4f5fb", color="#c7c9d9", fontname="Helvetica"];',
        f'  edge [color="{color}", style={style}, arrowsize=0.8];',
    ]
    for member in members:
        extra = ', penwidth=2, color="#4f46e5"' if member == initiator else ""
        lines.append(f'  "{_esc(member)}" [label="{_esc(member)}"{extra}];')
    for source, targets in edge_map.items():
        for target in targets:
            lines.append(f'  "{_esc(source)}" -> "{_esc(target)}";')
    lines.append("}")
    return "\n".join(lines)


def _esc(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')
