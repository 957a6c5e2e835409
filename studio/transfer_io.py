"""Import / Export helpers: reading an uploaded or pasted team, and producing the JSON and Python files."""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field

from storage import Database, DocumentError
from storage.documents import TeamDocument
from storage.people import Actor
from storage.secrets import key_source
from storage.transfer import ImportReport, endpoint_changes, export_team, team_conflicts
from storage.validation import dump_document, parse_team_document, read_json
from studio import autogen_studio
from studio.codegen import script_file_name, team_script
from studio.codegen_ag2 import ag2_file_name, ag2_script
from studio.render.safe_markdown import safe_markdown

SCRIPT_TARGETS = {"components": "Roundtable's components", "autogen": "AG2 (pip install ag2)"}


@dataclass
class ParsedImport:
    """What the page shows before importing: the document, or every problem found in the file."""

    source: str
    document: TeamDocument | None = None
    problems: list[str] = field(default_factory=list)
    hint: str = ""
    conflicts: list[str] = field(default_factory=list)
    endpoint_changes: list[str] = field(default_factory=list)  # what "overwrite" would send elsewhere
    origin: str = "Roundtable"  # or "AutoGen Studio"
    not_mapped: list[str] = field(default_factory=list)  # parts of a foreign file left out, each with the reason
    notes: list[str] = field(default_factory=list)  # what to do before running it


def parse_upload(db: Database, data: bytes | str, source: str, actor: Actor | None = None) -> ParsedImport:
    """Read a team file (or pasted text): a Roundtable export or an AutoGen Studio team; never raises for a bad file.
    Name conflicts are those with what ``actor`` may see.

    An AutoGen Studio team becomes a Roundtable document first, which is then checked like any other file.
    """
    if not data.strip():
        return ParsedImport(source, problems=["the file is empty"])
    origin, not_mapped, notes = "Roundtable", [], []
    try:
        raw = read_json(data, source)
        if autogen_studio.is_autogen_studio(raw):
            origin = "AutoGen Studio"
            conversion = autogen_studio.convert(raw)
            raw = conversion.document.model_dump(mode="json")
            not_mapped, notes = [str(item) for item in conversion.not_mapped], conversion.notes
        document = parse_team_document(raw, source)
    except autogen_studio.TeamImportError as error:
        return ParsedImport(source, problems=[str(error)], origin=origin)
    except DocumentError as error:
        return ParsedImport(source, problems=[str(p) for p in error.problems], hint=_hint(error), origin=origin,
                            not_mapped=not_mapped)
    conflicts = [str(c) for c in team_conflicts(db, document, actor)]
    return ParsedImport(source, document, conflicts=conflicts, endpoint_changes=endpoint_changes(db, document, actor),
                        origin=origin, not_mapped=not_mapped, notes=notes)


def mcp_notes(document: TeamDocument) -> list[str]:
    """What running an imported team would start or reach: its MCP servers (a file is attacker-written)."""
    notes = []
    for tool in document.tools:
        server = tool.server
        if tool.kind != "mcp" or server is None:
            continue
        if server.transport == "stdio":
            command = shlex.join([server.command or "", *server.args])
            passed = f", passing it {', '.join(server.env)} from your environment" if server.env else ""
            notes.append(safe_markdown(f'Running this team starts the MCP server "{tool.name}" on this machine: '
                                       f"`{command}`{passed}. Check the command before you run the team."))
        else:
            sent = f", sending {', '.join(server.headers)} from your environment" if server.headers else ""
            notes.append(safe_markdown(f'Running this team reaches the MCP server "{tool.name}" at '
                                       f"`{server.url}`{sent}."))
    return notes


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


def export_files(
    db: Database, team: str, target: str = "components", actor: Actor | None = None
) -> tuple[TeamDocument, tuple[str, str], tuple[str, str]]:
    """The team document (if ``actor`` may see it), and (file name, content) for its JSON and its Python script.

    ``target``: the script uses Roundtable's ``components`` API, or AG2's ``autogen`` (``SCRIPT_TARGETS``).
    """
    document = export_team(db, team, actor)
    stored = [m.name for m in document.models if key_source(db, m) == "stored"]
    base = re.sub(r"[^a-z0-9]+", "_", team.lower()).strip("_") or "team"
    script = ((ag2_file_name(document), ag2_script(document, stored)) if target == "autogen"
              else (script_file_name(document), team_script(document, stored)))
    return document, (f"{base}.json", dump_document(document) + "\n"), script
