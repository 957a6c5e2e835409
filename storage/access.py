"""Who may see and change which rows: the one place the visibility rules live.

A person sees what they own and what is shared with everyone (teams, models, runs that their owner
shared); admins see everything. Only the owner (or an admin) changes or deletes a row, and viewers
change nothing. ``actor=None`` means the local admin (a studio without sign-in, the local CLI).
Rows someone may not see answer exactly as rows that do not exist: ``NotFoundError``.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, or_, true

from storage.errors import AccessError
from storage.people import Actor


def sees_all(actor: Actor | None) -> bool:
    return actor is None or actor.is_admin


def visible(table: type[Any], actor: Actor | None) -> ColumnElement[bool]:
    """A WHERE clause: the rows of ``table`` (owned, with an owner_id) that ``actor`` may see."""
    if sees_all(actor):
        return true()
    assert actor is not None
    mine = table.owner_id == actor.person_id
    return or_(mine, table.shared == True) if hasattr(table, "shared") else mine  # noqa: E712 - SQL


def may_see(row: Any, actor: Actor | None) -> bool:
    return sees_all(actor) or row.owner_id == actor.person_id or bool(getattr(row, "shared", False))  # type: ignore[union-attr]


def check_may_change(row: Any, actor: Actor | None, what: str) -> None:
    """Refuse a change by a viewer, or by someone who does not own ``row`` (None: a new row)."""
    if actor is None:
        return
    if not actor.may_run:
        raise AccessError(f"viewers cannot change {what}: ask an admin for the editor role")
    if row is not None and not actor.is_admin and row.owner_id != actor.person_id:
        raise AccessError(f"{what} belongs to someone else: only its owner or an admin may change it")


def check_may_run(actor: Actor | None) -> None:
    if actor is not None and not actor.may_run:
        raise AccessError("viewers cannot start runs: they replay and export; ask an admin for the editor role")
