"""Import / Export helpers: reading an uploaded or pasted team, and producing the JSON and Python files."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from storage import Database, DocumentError
from storage.documents import TeamDocument
from storage.secrets import key_source
from storage.transfer import ImportReport, endpoint_changes, export_team, team_conflicts
from storage.validation import dump_document, load_team_json
from studio.codegen import script_file_name, team_script


@dataclass
class ParsedImport:
    """What the page shows before importing: the document, or every problem found in the file."""

    source: str
    document: TeamDocument | None = None
    problems: list[str] = field(default_factory=list)
    hint: str = ""
    conflicts: list[str] = field(default_factory=list)
    endpoint_changes: list[str] = field(default_factory=list)  # what "overwrite" would send elsewhere


def parse_upload(db: Database, data: bytes | str, source: str) -> ParsedImport:
    """Read a team file (or pasted text); never raises for a bad file."""
    if not data.strip():
        return ParsedImport(source, problems=["the file is empty"])
    try:
        document = load_team_json(data, source)
    except DocumentError as error:
        return ParsedImport(source, problems=[str(p) for p in error.problems], hint=_hint(error))
    conflicts = [str(c) for c in team_conflicts(db, document)]
    return ParsedImport(source, document, conflicts=conflicts, endpoint_changes=endpoint_changes(db, document))


def _hint(error: DocumentError) -> str:
    lines = str(error).splitlines()
    return lines[-1] if lines and not lines[-1].startswith("  - ") and len(lines) > 1 + len(error.problems) else ""


def describe_report(report: ImportReport) -> str:
    """One paragraph saying what the import did."""
    parts = []
    for label, items in (("Added", report.created), ("Already there (reused)", report.reused),
                         ("Replaced", report.overwritten), ("Imported as copies", report.copied)):
        if items:
            parts.append(f"**{label}:** " + ", ".join(items))
    return "  \n".join(parts)


def export_files(db: Database, team: str) -> tuple[TeamDocument, tuple[str, str], tuple[str, str]]:
    """The team document, and (file name, content) for its JSON and its Python script."""
    document = export_team(db, team)
    stored = [m.name for m in document.models if key_source(db, m) == "stored"]
    base = re.sub(r"[^a-z0-9]+", "_", team.lower()).strip("_") or "team"
    return document, (f"{base}.json", dump_document(document) + "\n"), (
        script_file_name(document), team_script(document, stored)
    )
