"""Roundtable's storage: designs (models, tools, agents, teams) and history (sessions, runs, events).

Open once per process with ``open_database()`` and pass the ``Database`` to every function. The
modules, one job each: ``database`` (URL, engine, open), ``migrate`` (Alembic), ``documents`` (the
pydantic design and export documents), ``validation`` (every problem with its JSON path), ``designs``
(CRUD), ``runs`` (sessions and runs), ``control`` (leases, stop requests, answers), ``eventlog`` (append and read events), ``experiments`` (task sets, experiments and their scores), ``transfer``
(import/export), ``secrets`` (API keys), ``settings``. Knows nothing of the studio or of litellm.
"""

from storage.database import Database, data_dir, database_url, open_database
from storage.errors import (
    Conflict,
    DatabaseOpenError,
    DocumentError,
    InUseError,
    MigrationError,
    NameConflictError,
    NotFoundError,
    Problem,
    RunStateError,
    StorageError,
)

__all__ = [
    "Conflict",
    "Database",
    "DatabaseOpenError",
    "DocumentError",
    "InUseError",
    "MigrationError",
    "NameConflictError",
    "NotFoundError",
    "Problem",
    "RunStateError",
    "StorageError",
    "data_dir",
    "database_url",
    "open_database",
]
