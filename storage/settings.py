"""Studio settings: small JSON values under string keys."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from storage.tables import SettingRow

if TYPE_CHECKING:
    from storage.database import Database


def get_setting(db: Database, key: str, default: Any = None) -> Any:
    with db.read() as session:
        row = session.get(SettingRow, key)
        return default if row is None else row.value


def set_setting(db: Database, key: str, value: Any) -> None:
    """Store ``value`` (anything JSON can hold) under ``key``."""
    with db.write() as session:
        row = session.get(SettingRow, key) or SettingRow(key=key)
        row.value = value
        session.add(row)
