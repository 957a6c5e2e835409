"""AutoGen termination conditions as a Roundtable team's end rules (``TeamTerminationSpec``).

Roundtable ends a chat on one phrase OR a message count. So: ``TextMentionTermination`` is the phrase,
``MaxMessageTermination`` the count; ``A | B`` of those maps when it has at most one phrase (several
counts: the smallest ends first); ``A & B`` maps only when every part is a count (the largest ends it).
Anything else is recorded as not mapped, and the chat then ends on the rest (or on its round limit).
"""

from __future__ import annotations

from dataclasses import dataclass

from storage.documents import TeamTerminationSpec
from studio.autogen_studio.components import (
    Component,
    Findings,
    number_field,
    read_component,
    shown,
    text_field,
)

MAX_DEPTH = 8  # AutoGen Studio nests one level; a deeper file is refused, not followed


@dataclass
class _Rules:
    phrases: list[str]
    counts: list[int]


def _leaves(term: Component, combine: str, depth: int, findings: Findings) -> _Rules | None:
    """The phrases and counts of ``term`` if it is expressible inside a ``combine`` ("or"/"and") group."""
    what = f"termination {shown(term.kind)}"
    if term.kind == "TextMentionTermination":
        text = text_field(term.config, "text", what, findings, limit=200)
        if not text or not text.strip():
            findings.skip(what, 'has no "text" to look for')
            return None
        if term.config.get("sources"):
            findings.note(f'The end phrase "{shown(text)}" now ends the chat whoever says it (AutoGen Studio '
                          "listened only to some agents).")
        return _Rules([text], [])
    if term.kind == "MaxMessageTermination":
        count = number_field(term.config, "max_messages", what, findings)
        return None if count is None else _Rules([], [min(count, 10_000)])
    if term.kind in ("OrTerminationCondition", "AndTerminationCondition"):
        if depth >= MAX_DEPTH:
            findings.skip(what, f"nested more than {MAX_DEPTH} levels deep")
            return None
        inner = "or" if term.kind.startswith("Or") else "and"
        parts = term.config.get("conditions")
        if not isinstance(parts, list) or not parts:
            findings.skip(what, 'has no "conditions" list')
            return None
        rules = _Rules([], [])
        for index, part in enumerate(parts):
            child = read_component(part, f"{what} condition {index + 1}", findings)
            found = child and _leaves(child, inner, depth + 1, findings)
            if found:
                rules.phrases += found.phrases
                rules.counts += found.counts
        if inner != combine and len(rules.phrases) + len(rules.counts) > 1:
            return _mixed(term.kind, inner, rules, findings)
        return rules
    findings.skip(f"{what} ({shown(term.provider)})", "Roundtable ends a chat on a phrase or a message count only")
    return None


def _mixed(kind: str, inner: str, rules: _Rules, findings: Findings) -> _Rules | None:
    """A group of the other kind inside this one: one count stands for it, or it is not expressible."""
    if inner == "and" and not rules.phrases:
        return _Rules([], [max(rules.counts)])  # every count must be reached: the largest one
    if inner == "or" and not rules.phrases:
        return _Rules([], [min(rules.counts)])
    findings.skip(f"termination {kind}", f"combines a phrase and other rules with {inner.upper()} inside "
                  f"an {'OR' if inner == 'and' else 'AND'}, which Roundtable's end rules cannot express")
    return None


def map_termination(value: object, findings: Findings) -> TeamTerminationSpec | None:
    """The team's end rules for the file's ``termination_condition`` (None: nothing expressible)."""
    term = read_component(value, "termination_condition", findings)
    if term is None:
        return None
    rules = _leaves(term, "or", 0, findings) if term.kind != "AndTerminationCondition" else _and(term, findings)
    if rules is None:
        return None
    if len(rules.phrases) > 1:
        for phrase in rules.phrases[1:]:
            findings.skip(f'end phrase "{shown(phrase)}"', f'Roundtable ends a chat on one phrase; "{shown(rules.phrases[0])}" '
                          "was kept")
    phrase = rules.phrases[0] if rules.phrases else None
    count = min(rules.counts) if rules.counts else None
    return TeamTerminationSpec(text_mention=phrase, max_messages=count) if phrase or count else None


def _and(term: Component, findings: Findings) -> _Rules | None:
    """An AND at the top: only counts can be combined (the largest is when all are reached)."""
    rules = _leaves(term, "and", 0, findings)
    if rules is None:
        return None
    if rules.phrases and (rules.counts or len(rules.phrases) > 1):
        findings.skip("termination AndTerminationCondition", "ends the chat only when a phrase is said AND another "
                      "rule holds; Roundtable's end rules end it on either, so this rule is left out")
        return None
    if rules.counts:
        return _Rules([], [max(rules.counts)])
    return rules
