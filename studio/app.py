"""Roundtable studio entry point: ``streamlit run studio/app.py``."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # `streamlit run studio/app.py` puts studio/ on the path, not the project
    sys.path.insert(0, str(ROOT))

import streamlit as st  # noqa: E402 - after the sys.path fix above

from studio.auth import account_box, require_actor, sign_in_configured  # noqa: E402
from studio.exposure import host_code_refusal, studio_exposed  # noqa: E402
from studio.state import database, run_engine  # noqa: E402

# A file of ours, served by the studio: a Material icon as page_icon makes the browser fetch the favicon from a CDN
st.set_page_config(page_title="Roundtable", page_icon=str(ROOT / "studio" / "assets" / "icon.png"), layout="wide")

actor = require_actor(database())  # without sign-in: the local admin; else the sign-in page until signed in
refusal = host_code_refusal(sign_in_configured(), studio_exposed())
run_engine().host_code_refusal = refusal  # also refused by the engine itself, for every run this process executes
if refusal:
    st.warning(f"**Anyone who reaches this address can use this studio**: {refusal}.", icon=":material/public:")
account_box(actor)

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
if sign_in_configured() and actor.is_admin:
    PAGES["Share"].append(st.Page("views/people.py", title="People", icon=":material/manage_accounts:"))

from studio.render.narrow_screen import narrow_screen_layout  # noqa: E402

page = st.navigation(PAGES)
narrow_screen_layout()
page.run()
