"""Import AutoGen Studio 0.4 team files (its component JSON) as Roundtable teams.

``convert(data)`` maps what has a Roundtable counterpart and lists the rest, each with the reason; the
document it makes then goes through the same checks and the same import as a Roundtable file.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from storage.documents import TeamDocument
from studio.autogen_studio.components import Findings, NotMapped, is_component, read_component, shown
from studio.autogen_studio.team import TeamImportError, build_document

__all__ = ["Conversion", "NotMapped", "TeamImportError", "convert", "is_autogen_studio"]


@dataclass
class Conversion:
    document: TeamDocument
    not_mapped: list[NotMapped] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _gallery_teams(data: Any) -> list[Any]:
    """The teams of an AutoGen Studio gallery file (``{"items": {"teams": [...]}}``), else []."""
    items = data.get("items") if isinstance(data, dict) else None
    teams = items.get("teams") if isinstance(items, dict) else None
    return [t for t in teams if is_component(t)] if isinstance(teams, list) else []


def _team_component(data: Any) -> Any:
    """The team envelope: the file itself, the ``component`` of AutoGen Studio's stored team record, or a
    gallery's first team."""
    if isinstance(data, dict) and is_component(data.get("component")):
        return data["component"]
    return (_gallery_teams(data) or [data])[0]


def document_label(team: dict[str, Any]) -> str:
    return shown(team.get("label") or "unnamed")


def is_autogen_studio(data: Any) -> bool:
    """Does this JSON look like an AutoGen component (and not a Roundtable export)?"""
    return isinstance(data, dict) and "format" not in data and is_component(_team_component(data))


def convert(data: Any) -> Conversion:
    """The Roundtable team for an AutoGen Studio file; TeamImportError when there is nothing to import."""
    findings = Findings()
    component = read_component(_team_component(data), "the file", findings)
    if component is None:
        raise TeamImportError(str(findings.not_mapped[0]))
    if _team_component(data).get("component_type") not in ("team", None):
        kind = _team_component(data).get("component_type")
        raise TeamImportError(f"this is an AutoGen Studio {kind!s:.40} component, not a team: export the team that "
                              "uses it")
    teams = _gallery_teams(data)
    if len(teams) > 1:
        findings.note(f'The file is an AutoGen Studio gallery of {len(teams)} teams: the first, "{document_label(teams[0])}", '
                      "is imported (export the others from AutoGen Studio one by one).")
    document = build_document(component, findings)
    return Conversion(document, findings.not_mapped, findings.notes)
