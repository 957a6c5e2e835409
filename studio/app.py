"""Roundtable studio entry point: ``streamlit run studio/app.py``."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # `streamlit run studio/app.py` puts studio/ on the path, not the project
    sys.path.insert(0, str(ROOT))

import streamlit as st  # noqa: E402 - after the sys.path fix above

st.set_page_config(page_title="Roundtable", page_icon=":material/groups:", layout="wide")

PAGES = {
    "Run": [
        st.Page("views/playground.py", title="Playground", icon=":material/play_circle:", default=True),
        st.Page("views/history.py", title="History", icon=":material/history:"),
        st.Page("views/replay.py", title="Replay", icon=":material/replay:"),
        st.Page("views/experiments.py", title="Experiments", icon=":material/science:"),
    ],
    "Design": [
        st.Page("views/gallery.py", title="Gallery", icon=":material/auto_awesome:"),
        st.Page("views/teams.py", title="Teams", icon=":material/groups:"),
        st.Page("views/agents.py", title="Agents", icon=":material/smart_toy:"),
        st.Page("views/models.py", title="Models", icon=":material/memory:"),
        st.Page("views/tools.py", title="Tools", icon=":material/build:"),
    ],
    "Share": [
        st.Page("views/transfer.py", title="Import / Export", icon=":material/swap_horiz:"),
        st.Page("views/settings.py", title="Settings", icon=":material/settings:"),
    ],
}

from studio.render.narrow_screen import narrow_screen_layout  # noqa: E402

page = st.navigation(PAGES)
narrow_screen_layout()
page.run()
