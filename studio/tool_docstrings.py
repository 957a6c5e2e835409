"""What a tool's docstring says: its summary line, and a description per parameter.

Three common styles are read, from plain text (the docstring is data, nothing is run):

- Google: an ``Args:`` (or ``Arguments:``, ``Parameters:``) section of ``name (type): text`` lines;
- NumPy: a ``Parameters`` heading underlined with dashes, then ``name : type`` and indented text;
- Sphinx / reST: ``:param name: text`` or ``:param type name: text``.

A description may go on over indented lines; they are joined with spaces.
"""

from __future__ import annotations

import inspect
import re

_GOOGLE_HEADINGS = {"args", "arguments", "parameters", "params", "keyword args", "keyword arguments"}
_GOOGLE_ITEM = re.compile(r"^(\*{0,2}[A-Za-z_]\w*)\s*(\([^)]*\))?\s*:\s*(.*)$")
_SPHINX_ITEM = re.compile(r"^:param\s+(?:[^:]*\s)?([A-Za-z_]\w*)\s*:\s*(.*)$")
_NUMPY_ITEM = re.compile(r"^([A-Za-z_]\w*(?:\s*,\s*[A-Za-z_]\w*)*)\s*(?::.*)?$")
_SECTION = re.compile(r"^[A-Z][A-Za-z ]*:\s*$")


def summary(docstring: str | None) -> str:
    """The docstring's first non-empty line, or ""."""
    for line in inspect.cleandoc(docstring or "").splitlines():
        if line.strip():
            return line.strip()
    return ""


def parameter_docs(docstring: str | None) -> dict[str, str]:
    """Parameter name -> its description, from whichever of the three styles the docstring uses."""
    lines = inspect.cleandoc(docstring or "").splitlines()
    found: dict[str, str] = {}
    for reader in (_sphinx, _numpy, _google):
        for name, text in reader(lines).items():
            if text and name not in found:
                found[name] = text
    return found


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip())


def _join(parts: list[str]) -> str:
    return " ".join(p.strip() for p in parts if p.strip())


def _google(lines: list[str]) -> dict[str, str]:
    found: dict[str, str] = {}
    inside, base, item_indent, name = False, 0, None, None
    for line in lines:
        heading = line.strip()
        if heading.endswith(":") and heading.rstrip(":").lower() in _GOOGLE_HEADINGS:
            inside, base, item_indent, name = True, _indent(line), None, None
            continue
        if not inside or not heading:
            continue
        if _indent(line) <= base:
            inside = False  # the section ended
            continue
        item_indent = _indent(line) if item_indent is None else item_indent
        match = _GOOGLE_ITEM.match(heading) if _indent(line) == item_indent else None
        if match:
            name = match.group(1).lstrip("*")
            found[name] = match.group(3).strip()
        elif name is not None:
            found[name] = _join([found[name], heading])
    return found


def _numpy(lines: list[str]) -> dict[str, str]:
    found: dict[str, str] = {}
    for i, line in enumerate(lines[:-1]):
        if line.strip().lower() not in {"parameters", "other parameters"} or not re.fullmatch(r"\s*-{3,}\s*", lines[i + 1]):
            continue
        base = _indent(line)
        names: list[str] = []
        parts: list[str] = []
        for row in lines[i + 2:]:
            if not row.strip():
                continue
            if _indent(row) <= base:
                if re.fullmatch(r"\s*-{3,}\s*", row) or _SECTION.match(row.strip()):
                    break
                match = _NUMPY_ITEM.match(row.strip())
                if not match:
                    break
                for name in names:
                    found[name] = _join(parts)
                names, parts = [n.strip() for n in match.group(1).split(",")], []
            else:
                parts.append(row)
        for name in names:
            found[name] = _join(parts)
    # a heading line followed by another section heading ends the block: drop what belongs to it
    return {k: v for k, v in found.items() if v}


def _sphinx(lines: list[str]) -> dict[str, str]:
    found: dict[str, str] = {}
    name: str | None = None
    parts: list[str] = []
    for line in [*lines, ""]:
        match = _SPHINX_ITEM.match(line.strip())
        if match or not line.strip() or line.strip().startswith(":"):
            if name is not None:
                found[name] = _join(parts)
            name, parts = (match.group(1), [match.group(2)]) if match else (None, [])
        elif name is not None and _indent(line) > 0:
            parts.append(line)
        elif name is not None:
            found[name] = _join(parts)
            name, parts = None, []
    return found
