"""The baseline for benchmarks/studio_live.py: the viewer a Streamlit user would write first.

A fragment re-runs every 0.25 s and redraws every stored message of the run (``?run=<id>``). It reads
the same database as the studio (``ROUNDTABLE_DATABASE_URL``). Not part of the product.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import streamlit as st  # noqa: E402

from components.coding.extract import content_str  # noqa: E402
from components.events import MessageSent  # noqa: E402
from storage import open_database  # noqa: E402
from storage.eventlog import events_after  # noqa: E402


@st.cache_resource
def database():  # type: ignore[no-untyped-def]
    return open_database()


run_id = int(st.query_params.get("run", "0"))


@st.fragment(run_every=0.25)
def messages() -> None:
    for stored in events_after(database(), run_id, 0):
        if isinstance(stored.event, MessageSent):
            with st.chat_message(stored.event.sender):
                st.markdown(content_str(stored.event.content))


st.title(f"Run {run_id}")
messages()
