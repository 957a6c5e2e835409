"""Process-wide resources shared by every page and browser session (one database, one run engine)."""

from __future__ import annotations

import gc
import threading
import time
from typing import TYPE_CHECKING

import streamlit as st

from storage import Database, data_dir, open_database

if TYPE_CHECKING:
    from studio.runs.engine import RunEngine

# Work the studio does in the background (importing litellm, the first sweep for leftover sandbox
# containers, which imports the Docker SDK) waits this long, so that the first page is drawn first.
BACKGROUND_WORK_AFTER_S = 3.0


@st.cache_resource(show_spinner="Opening the database...")
def database() -> Database:
    """The studio's database, opened (and migrated) once per server process."""
    from studio.defaults import ensure_builtin_model

    db = open_database()
    ensure_builtin_model(db)
    return db


def run_engine() -> RunEngine:
    """Runs conversations (here, or through the workers' queue with ROUNDTABLE_RUNS=workers); lives as
    long as the server, across page reloads. A setup that cannot work stops the page with the reason."""
    from studio.runs.mode import RunsModeError

    try:
        return _run_engine()
    except RunsModeError as exc:
        st.error(str(exc), icon=":material/settings_alert:")
        st.stop()


@st.cache_resource
def _run_engine() -> RunEngine:
    from studio.runs.engine import RunEngine
    from studio.runs.mode import runs_mode

    mode = runs_mode()
    engine = RunEngine(database(), data_dir(), mode=mode, sandbox_sweep_after_s=BACKGROUND_WORK_AFTER_S)
    threading.Thread(target=_warm_up, args=(mode == "local",), name="roundtable-warm-up", daemon=True).start()
    return engine


def _warm_up(import_litellm: bool) -> None:
    """Once the first page is drawn: import litellm in the background when runs execute here (so the first
    run does not wait the seconds its import takes), then take what is loaded out of the garbage collector.

    Streamlit collects garbage after every script run (``runner.postScriptGC``); walking Streamlit's,
    SQLAlchemy's and the studio's objects cost ~60 ms per page switch, litellm's hundred thousand ~0.5 s.
    Frozen, the collector skips them (docs/performance.md)."""
    time.sleep(BACKGROUND_WORK_AFTER_S)
    if import_litellm:
        from components.llm.litellm_loader import get_litellm

        get_litellm()
    gc.freeze()


@st.cache_resource
def _experiment_threads() -> dict[int, threading.Thread]:
    return {}


def start_experiment(experiment_id: int) -> None:
    """Run an experiment's scheduler in a background thread of this server (once per experiment)."""
    from studio.experiments.scheduler import ExperimentRunner

    threads = _experiment_threads()
    if experiment_id in threads and threads[experiment_id].is_alive():
        return
    engine = run_engine()
    threads[experiment_id] = ExperimentRunner(database(), engine, engine.data_dir).start(experiment_id)


def experiment_running_here(experiment_id: int) -> bool:
    thread = _experiment_threads().get(experiment_id)
    return thread is not None and thread.is_alive()
