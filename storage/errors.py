"""Storage errors, split by who must act.

- ``DatabaseOpenError`` / ``MigrationError``: the operator (fix the URL, the file or the server).
- ``DocumentError``: the person who wrote the design or the import file (every problem, with its path).
- ``NotFoundError`` / ``InUseError`` / ``NameConflictError``: the user of the studio (pick another
  name, remove a use first, choose overwrite or copy).

Messages are complete sentences meant to be shown as they are.
"""

from __future__ import annotations

from dataclasses import dataclass


class StorageError(Exception):
    """Base of every error raised on purpose by ``storage``."""


class DatabaseOpenError(StorageError):
    """The database cannot be opened: not SQLite, unreachable, or not a Roundtable database."""


class MigrationError(StorageError):
    """Bringing the database schema up to date failed; nothing was changed."""


class KeyEndpointError(StorageError):
    """A stored API key was asked for by a model that points at another server than the key's own."""


class KeyNotSharedError(StorageError):
    """A stored API key was asked for a run of someone who is not the model's owner, and it is not shared."""


class NotFoundError(StorageError, LookupError):
    """A design, run or session with that name or id does not exist."""


class RunStateError(StorageError):
    """A run cannot do what was asked in its current state (stop a finished run, answer one that does not ask)."""


class InUseError(StorageError):
    """Deleting something that is still used elsewhere (or a run that is still active)."""

    def __init__(self, message: str, users: list[str]) -> None:
        super().__init__(message)
        self.users = users


@dataclass(frozen=True)
class Problem:
    """One problem in a document: ``path`` is a JSON path such as ``agents[1].model``."""

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message


class DocumentError(StorageError):
    """A design or import document is invalid; ``problems`` lists every problem found."""

    def __init__(self, source: str, problems: list[Problem], hint: str = "") -> None:
        self.source = source
        self.problems = problems
        count = f"{len(problems)} problem" + ("s" if len(problems) != 1 else "")
        lines = [f"{source} is not valid ({count}):"] + [f"  - {p}" for p in problems]
        if hint:
            lines.append(hint)
        super().__init__("\n".join(lines))


@dataclass(frozen=True)
class Conflict:
    """An imported or saved item whose name is already taken by a different stored item."""

    kind: str
    name: str

    def __str__(self) -> str:
        return f'{self.kind} "{self.name}"'


class NameConflictError(StorageError):
    """Names already taken; for imports the caller chooses ``overwrite`` or ``copy``."""

    def __init__(self, message: str, conflicts: list[Conflict]) -> None:
        super().__init__(message)
        self.conflicts = conflicts


def database_error_reason(error: BaseException) -> str:
    """The driver's own words for a failed statement ("database or disk is full"), without SQL or links."""
    original = getattr(error, "orig", None) or error
    lines = str(original).strip().splitlines()
    return lines[0] if lines else type(original).__name__


class AccessError(StorageError):
    """The person acting may not do this (a viewer starting a run, changing someone else's design)."""
