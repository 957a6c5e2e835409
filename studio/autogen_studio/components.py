"""Reading AutoGen Studio's component format safely, and collecting what did not map.

AutoGen 0.4 writes every part of a team (``dump_component``) as the same envelope: ``provider`` (the
class's import path), ``component_type``, ``version``, ``component_version``, ``label``, ``description``
and ``config`` (that class's settings, where nested parts are envelopes again). The file is
attacker-written: every value is checked for its type and size before it is used, nothing in it is
imported or run, and every part that has no Roundtable counterpart is recorded with the reason.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

MAX_TEXT = 100_000  # characters in one prompt or description; AutoGen Studio's own are a few hundred
MAX_NAME_SHOWN = 80


@dataclass(frozen=True)
class NotMapped:
    """One part of the file that was left out: what it is, and why."""

    what: str
    why: str

    def __str__(self) -> str:
        return f"{self.what}: {self.why}"


@dataclass
class Findings:
    """What an import left out (``not_mapped``) and what the person must do before running (``notes``)."""

    not_mapped: list[NotMapped] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def skip(self, what: str, why: str) -> None:
        self.not_mapped.append(NotMapped(what, why))

    def note(self, text: str) -> None:
        if text not in self.notes:
            self.notes.append(text)


@dataclass(frozen=True)
class Component:
    """One envelope: ``kind`` is the class name of its provider (``RoundRobinGroupChat``)."""

    provider: str
    kind: str
    config: dict[str, Any]
    label: str
    description: str


def shown(value: Any) -> str:
    """A value from the file, short enough to show in a sentence."""
    text = value if isinstance(value, str) else repr(value)
    return text if len(text) <= MAX_NAME_SHOWN else text[: MAX_NAME_SHOWN - 1] + "\u2026"


def is_component(value: Any) -> bool:
    return isinstance(value, dict) and isinstance(value.get("provider"), str) and "config" in value


def read_component(value: Any, what: str, findings: Findings) -> Component | None:
    """The envelope ``value``, or None (recorded in ``findings``) when it is not one."""
    if not isinstance(value, dict):
        findings.skip(what, f"expected an AutoGen component (a JSON object), got {type(value).__name__}")
        return None
    provider, config = value.get("provider"), value.get("config", {})
    if not isinstance(provider, str) or not provider.strip():
        findings.skip(what, 'has no "provider" naming its AutoGen class')
        return None
    if not isinstance(config, dict):
        findings.skip(f"{what} ({shown(provider)})", f'its "config" should be a JSON object, got {type(config).__name__}')
        return None
    label, description = value.get("label"), value.get("description")
    return Component(
        provider=provider,
        kind=provider.rsplit(".", 1)[-1],
        config=config,
        label=label if isinstance(label, str) else "",
        description=description if isinstance(description, str) and len(description) <= MAX_TEXT else "",
    )


def text_field(config: dict[str, Any], key: str, what: str, findings: Findings, limit: int = MAX_TEXT) -> str | None:
    """``config[key]`` when it is text of a sane size; else None (a wrong value is recorded)."""
    value = config.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        findings.skip(f"{what}: {key}", f"should be text, got {type(value).__name__}")
        return None
    if len(value) > limit:
        findings.skip(f"{what}: {key}", f"is {len(value):,} characters long; the import takes at most {limit:,}")
        return None
    return value


def number_field(config: dict[str, Any], key: str, what: str, findings: Findings) -> int | None:
    """``config[key]`` when it is a whole number of at least 1; else None (a wrong value is recorded)."""
    value = config.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        findings.skip(f"{what}: {key}", f"should be a whole number of at least 1, got {shown(value)}")
        return None
    return value


def build(cls: type[Any], data: dict[str, Any], what: str, findings: Findings) -> Any:
    """``cls(**data)``, or None with the reason recorded (the same field checks as a Roundtable file)."""
    try:
        return cls.model_validate(data)
    except ValidationError as error:
        reasons = "; ".join(
            f"{'.'.join(map(str, e['loc'])) or 'value'}: {e['msg'].removeprefix('Value error, ')}"
            for e in error.errors(include_url=False)
        )
        findings.skip(what, reasons)
        return None


def extra_settings(config: dict[str, Any], handled: set[str], what: str, findings: Findings) -> None:
    """Record the settings of ``config`` that the import does not carry."""
    left = sorted(str(k) for k, v in config.items() if k not in handled and v not in (None, [], {}, False))
    if left:
        findings.skip(f"{what}: {', '.join(shown(k) for k in left[:8])}" + (" \u2026" if len(left) > 8 else ""),
                      "Roundtable has no such setting")
