"""The deterministic checks of a run's outcome: what the final answer says, whether code ran, which
files it made.

Patterns are user input and the answer is model output, so a pattern is matched with the ``regex``
package under a time limit (a catastrophic backtracking pattern fails its check with that reason
instead of hanging the scorer), on at most ``MAX_MATCH_CHARS`` of the answer.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Sequence
from dataclasses import dataclass, field

from components.coding.extract import content_str
from components.events import CodeFinished, Event, MessageSent
from storage.experiment_documents import CheckResult, CheckSpec, TaskSpec

REGEX_TIMEOUT_S = 1.0
MAX_MATCH_CHARS = 200_000
END_WORD = "TERMINATE"


@dataclass(frozen=True)
class Outcome:
    """What the checks look at, gathered from a run's events (and its folder's files)."""

    final_answer: str
    code_exit_codes: list[int] = field(default_factory=list)
    files: list[str] = field(default_factory=list)


def _text(content: object) -> str:
    try:
        return content_str(content)
    except ValueError:  # a part of an unknown type: still text to check
        return str(content)


def final_answer(events: Sequence[Event]) -> str:
    """The last non-empty message's text, without a closing TERMINATE (AutoGen's end word)."""
    for event in reversed(events):
        if isinstance(event, MessageSent):
            text = _text(event.content).strip()
            if text.endswith(END_WORD):
                text = text[: -len(END_WORD)].rstrip()
            if text:
                return text
    return ""


def outcome_of(events: Sequence[Event], folder_files: Sequence[str] = ()) -> Outcome:
    """The final answer, every code execution's exit code, and the files made (artifacts named by code
    executions, which travel with the events from any worker, plus ``folder_files`` found here)."""
    codes = [e.exit_code for e in events if isinstance(e, CodeFinished)]
    files = [a.path for e in events if isinstance(e, CodeFinished) for a in e.artifacts]
    return Outcome(final_answer(events), codes, sorted(set(files) | set(folder_files)))


def _normal(text: str) -> str:
    return " ".join(text.split()).casefold()


def _regex(pattern: str, text: str) -> tuple[bool, str]:
    import regex

    try:
        found = regex.search(pattern, text[:MAX_MATCH_CHARS], timeout=REGEX_TIMEOUT_S)
    except regex.error as exc:
        return False, f"the pattern {pattern!r} is not a valid regular expression ({exc})"
    except TimeoutError:
        return False, f"matching the pattern {pattern!r} took longer than {REGEX_TIMEOUT_S:g} s; simplify it"
    if found is None:
        return False, f"the final answer does not match {pattern!r}"
    return True, f"matched {found.group(0)[:80]!r}"


def pattern_problem(pattern: str) -> str | None:
    """Why a pattern cannot be used (for the forms and the CSV import), or None."""
    import regex

    try:
        regex.compile(pattern)
    except regex.error as exc:
        return f"{pattern!r} is not a valid regular expression ({exc})"
    return None


def run_check(check: CheckSpec, task: TaskSpec, outcome: Outcome) -> CheckResult:
    """One deterministic check (judge checks are scored by ``studio.experiments.judge``)."""
    answer = outcome.final_answer
    passed, reason = False, ""
    if check.kind == "contains":
        passed = _normal(check.value) in _normal(answer)
        reason = f"the final answer {'contains' if passed else 'does not contain'} {check.value!r}"
    elif check.kind == "regex":
        passed, reason = _regex(check.value, answer)
    elif check.kind == "equals":
        passed = _normal(answer) == _normal(task.expected or "")
        reason = "the final answer equals the expected answer" if passed else (
            f"expected {(task.expected or '')[:80]!r}, got {answer[:80]!r}")
    elif check.kind == "code_ran":
        codes = outcome.code_exit_codes
        passed = bool(codes) and codes[-1] == 0
        reason = ("no code was run" if not codes else
                  f"{len(codes)} execution(s), the last exited with {codes[-1]}")
    elif check.kind == "file":
        made = [f for f in outcome.files if fnmatch.fnmatch(f, check.value) or fnmatch.fnmatch(f.rsplit("/", 1)[-1], check.value)]
        passed = bool(made)
        reason = f"made {', '.join(made[:5])}" if made else f"no file matching {check.value!r} was made"
    else:
        raise ValueError(f"{check.kind} is not a deterministic check")
    return CheckResult(kind=check.kind, label=check.label, required=check.required, passed=passed, reason=reason)
