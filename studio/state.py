"""Process-wide resources shared by every page and browser session (one database, one run engine)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import streamlit as st

from storage import Database, data_dir, open_database

if TYPE_CHECKING:
    from studio.runs.engine import RunEngine


@st.cache_resource(show_spinner="Opening the database...")
def database() -> Database:
    """The studio's database, opened (and migrated) once per server process."""
    from studio.defaults import ensure_builtin_model

    db = open_database()
    ensure_builtin_model(db)
    return db


@st.cache_resource
def run_engine() -> RunEngine:
    """Runs conversations in background workers; lives as long as the server, across page reloads."""
    from studio.runs.engine import RunEngine

    return RunEngine(database(), data_dir())
