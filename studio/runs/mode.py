"""How runs execute: ``ROUNDTABLE_RUNS=local`` (threads in the studio or CLI process, the default) or
``workers`` (the studio and the CLI enqueue; ``python -m studio worker`` processes execute)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Literal

from storage import Database

RUNS_ENV = "ROUNDTABLE_RUNS"
RunsMode = Literal["local", "workers"]


class RunsModeError(Exception):
    """The configured way of running cannot work with this setup; the message says what to change."""


def runs_mode(env: Mapping[str, str] = os.environ) -> RunsMode:
    value = (env.get(RUNS_ENV) or "local").strip().lower()
    if value not in ("local", "workers"):
        raise RunsModeError(f'{RUNS_ENV}="{env.get(RUNS_ENV)}" is not a way of running: use "local" or "workers".')
    return value  # type: ignore[return-value]


def check_workers_database(db: Database) -> None:
    """Workers take runs from a queue in PostgreSQL; refuse SQLite clearly."""
    if db.is_sqlite:
        raise RunsModeError(
            f"{RUNS_ENV}=workers needs PostgreSQL: worker processes take runs from a queue kept in it, and "
            f"this database is the SQLite file {db.location}. Set ROUNDTABLE_DATABASE_URL to a PostgreSQL URL, "
            f"or unset {RUNS_ENV} to run conversations inside this process."
        )
