"""What every table shares: deterministic constraint names (so migrations can name them) and time."""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import false
from sqlmodel import Field, SQLModel

SQLModel.metadata.naming_convention = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
metadata = SQLModel.metadata


def now() -> float:
    """Times are stored as Unix time (float seconds, UTC), like event timestamps."""
    return time.time()


def off_by_default() -> Any:
    """A boolean column that is False unless set, in the database too: the migration that added these
    columns to tables with rows gave them that default, and a new database must be the same."""
    return Field(default=False, sa_column_kwargs={"server_default": false()})
