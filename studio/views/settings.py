"""Settings: where Roundtable keeps its data, the model new agents get, and what this machine can run."""

from __future__ import annotations

import os
import platform

import streamlit as st

from components.llm.local_model import local_model_status
from storage import data_dir
from storage.database import DATA_DIR_ENV, DATABASE_URL_ENV
from storage.designs import list_agents, list_models, list_teams, list_tools
from studio import ui
from studio.auth import current_actor
from studio.preferences import default_model_name, set_default_model
from studio.state import database

PAGE = "settings"

db = database()
actor = current_actor()
ui.header("Settings", "Where your designs and history are kept, and what this machine can run.")

with st.container(border=True):
    st.markdown("**Storage**")
    st.markdown("Data directory", help=f"Run files and the default database live here. Change it with {DATA_DIR_ENV}.")
    st.code(str(data_dir()), language=None)
    st.markdown("Database URL", help=f"SQLite by default; PostgreSQL with a URL in {DATABASE_URL_ENV}. Passwords are hidden.")
    st.code(db.url, language=None)
    st.caption(f"Set `{DATA_DIR_ENV}` or `{DATABASE_URL_ENV}` before `streamlit run studio/app.py` to move them. "
               + ("The database URL comes from the environment." if os.environ.get(DATABASE_URL_ENV) else ""))
    counts = {"Models": list_models(db, actor), "Tools": list_tools(db, actor), "Agents": list_agents(db, actor),
              "Teams": list_teams(db, actor)}
    for column, (label, items) in zip(st.columns(4), counts.items(), strict=True):
        column.metric(label, len(items))

with st.container(border=True):
    import datetime as dt

    from storage.control import live_processes
    from studio.runs.mode import RUNS_ENV, RunsModeError, runs_mode

    st.markdown("**Runs**")
    try:
        mode = runs_mode()
    except RunsModeError as exc:
        st.error(str(exc))
    else:
        st.markdown(
            "Runs execute **in this studio's process** (threads); set `ROUNDTABLE_RUNS=workers` with PostgreSQL to "
            "hand them to worker processes." if mode == "local" else
            "Runs go to **worker processes** (`python -m studio worker`) through a queue in PostgreSQL; "
            "code a run executes runs on its worker's host.",
            help=f"Set {RUNS_ENV} to local or workers before starting the studio.",
        )
        workers = live_processes(db, role="worker")
        if workers:
            st.dataframe([{
                "worker": p.holder, "host": p.host, "runs in hand": p.runs_in_hand,
                "slots": p.concurrency or "", "last heartbeat": dt.datetime.fromtimestamp(p.heartbeat_at).strftime("%H:%M:%S"),
            } for p in workers], hide_index=True, use_container_width=True, key=f"{PAGE}.workers")
        elif mode == "workers":
            st.warning("No worker is running: runs wait in the queue until one starts (`python -m studio worker`).",
                       icon=":material/hourglass_empty:")

with st.container(border=True):
    st.markdown("**New agents**")
    names = [m.name for m in counts["Models"]]
    if names:
        current = default_model_name(db, actor)
        chosen = st.selectbox("Model for new agents", names, index=names.index(current) if current in names else 0,
                              key=f"{PAGE}.default_model", disabled=not actor.is_admin,
                              help="New assistants start with this model." if actor.is_admin
                              else "An admin chooses the model new agents start with.")
        if chosen != current:
            set_default_model(db, chosen)
            st.toast(f"New agents will use {chosen}.", icon=":material/check:")
    else:
        ui.empty_state("No models yet: add one on the Models page, or use the built-in local model.")

with st.container(border=True):
    st.markdown("**This machine**")
    ready, message = local_model_status()
    (st.success if ready else st.warning)(f"Built-in local model: {message}", icon=":material/memory:")
    st.caption("The Models page lists every built-in offline model and how to add the optional one.")
    if st.button("Check the Docker engine", key=f"{PAGE}.check_docker", icon=":material/deployed_code:"):
        from components.coding.docker_executor import docker_engine_status

        with st.spinner("Asking the Docker engine..."):
            ready, message = docker_engine_status()
        (st.success if ready else st.warning)(message, icon=":material/deployed_code:")
    st.caption(f"Roundtable 0.1.0 \u00b7 Streamlit {st.__version__} \u00b7 Python {platform.python_version()}")
