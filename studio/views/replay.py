"""Replay: play a saved run as it happened (play, pause, step, speed, jump), drawn by the live view's renderer."""

from __future__ import annotations

import bisect
import time

import streamlit as st

from components.events import MessageSent
from storage import data_dir
from storage.errors import StorageError
from storage.eventlog import events_after
from storage.runs import get_run, list_runs, run_snapshot
from studio.auth import current_actor
from studio.render.follow import keep_newest_in_view
from studio.render.run_header import format_duration, render_run_header
from studio.render.safe_markdown import safe_markdown
from studio.render.share import share_link
from studio.render.transcript import Transcript
from studio.runs.files import RunFiles
from studio.state import database

KEY = "replay"
SPEEDS = [0.5, 1.0, 2.0, 5.0, 10.0]
WINDOW = 100  # events drawn before the position: the browser's cost grows with every bubble on the page
MAX_GAP_S = 2.0  # long pauses in the original run are shortened to this (before the speed-up)
db = database()
actor = current_actor()

st.title("Replay")
raw = st.query_params.get("run")
recent = list_runs(db, limit=200, actor=actor)
if not recent and not raw:
    st.info("Nothing to replay yet: runs appear here once you start one in the Playground.")
    st.stop()
choices = [r.id for r in recent]
if raw and raw.isdigit() and int(raw) not in choices:
    choices.insert(0, int(raw))
labels = {r.id: f"#{r.id} · {r.team} · {r.task[:60]}" for r in recent}
default = choices.index(int(raw)) if raw and raw.isdigit() else 0
run_id = st.selectbox("Run", choices, index=default, format_func=lambda i: labels.get(i, f"#{i}"), key=f"{KEY}.pick")
if st.query_params.get("run") != str(run_id):
    st.query_params["run"] = str(run_id)

try:
    run = get_run(db, run_id, actor)  # a run this person may not see answers like one that does not exist
    members = run_snapshot(db, run_id, actor).speaking_members()
except StorageError:
    st.warning(f"Run #{run_id} does not exist.")
    st.stop()
events = events_after(db, run_id, 0)
total = len(events)

# -- position and play state (namespaced per run: a run opens at its start, ready to play) -------------
state = st.session_state
if state.get(f"{KEY}.run") != run_id:
    state[f"{KEY}.run"], state[f"{KEY}.pos"], state[f"{KEY}.playing"] = run_id, 0, False
message_ends = [i + 1 for i, e in enumerate(events) if isinstance(e.event, MessageSent)]


def _set(pos: int, playing: bool = False) -> None:
    state[f"{KEY}.pos"] = max(0, min(total, pos))
    state[f"{KEY}.playing"] = playing


def _from_slider() -> None:
    _set(state[f"{KEY}.slider"])


def _toggle() -> None:
    at_end = state[f"{KEY}.pos"] >= total
    _set(0 if at_end and not state[f"{KEY}.playing"] else state[f"{KEY}.pos"], playing=not state[f"{KEY}.playing"])


def where(pos: int) -> str:
    """The position for a person: "message 3 of 7 · 0:12 of 1:30" (time since the run's first event)."""
    shown = bisect.bisect_right(message_ends, pos)
    clock = format_duration(events[pos - 1].ts - events[0].ts) if pos else format_duration(0)
    return f"Message {shown} of {len(message_ends)} · {clock} of {format_duration(events[-1].ts - events[0].ts)}"


with st.expander(safe_markdown(f"Run #{run_id} · {run.team} · {run.task[:80]}"), icon=":material/info:"):
    render_run_header(run, len(message_ends))
    base_url = (st.context.url or "").split("?")[0]
    share_link(db, actor, run, f"{base_url}?run={run_id}", f"{KEY}.share")
if total == 0:
    st.info("This run has no events.")
    st.stop()

# -- compact controls, kept at the top of the window while the conversation scrolls beneath ----------
# (sticky on the wrapper Streamlit draws around the container: an element sticks only within its parent)
st.html(f"<style>[data-testid=stLayoutWrapper]:has(> .st-key-{KEY}-controls) {{position: sticky; top: 3.75rem; "
        f"z-index: 99;}} .st-key-{KEY}-controls {{background-color: Canvas;}}</style>")
pos, playing = state[f"{KEY}.pos"], state[f"{KEY}.playing"]
with st.container(key=f"{KEY}-controls", border=True):
    controls = st.columns([1, 1, 1.3, 1, 1, 1.4, 2.4], vertical_alignment="center")
    controls[0].button("Start", icon=":material/first_page:", help="Back to the start", key=f"{KEY}.first",
                       on_click=_set, args=(0,), use_container_width=True)
    controls[1].button("Back", icon=":material/skip_previous:", help="One step back", key=f"{KEY}.back",
                       on_click=_set, args=(pos - 1,), use_container_width=True)
    controls[2].button("Pause" if playing else "Play", icon=":material/pause:" if playing else ":material/play_arrow:",
                       type="primary", key=f"{KEY}.play", on_click=_toggle, use_container_width=True)
    controls[3].button("Step", icon=":material/skip_next:", help="One step forward", key=f"{KEY}.step",
                       on_click=_set, args=(pos + 1,), use_container_width=True)
    controls[4].button("End", icon=":material/last_page:", help="Jump to the end", key=f"{KEY}.last",
                       on_click=_set, args=(total,), use_container_width=True)
    follow = controls[5].toggle("Follow", value=True, key=f"{KEY}.follow",
                                help="Keep the newest message in view while playing (scroll up to pause it).")
    speed = controls[6].select_slider("Speed", SPEEDS, value=state.get(f"{KEY}.speed", 2.0),
                                      format_func=lambda s: f"{s:g}x", key=f"{KEY}.speed",
                                      label_visibility="collapsed")
    # the same two slots in both states, so no stale element of the other state lingers while playing
    if playing:
        progress = st.progress(pos / total)
    else:
        state[f"{KEY}.slider"] = pos
        st.slider("Position", 0, total, key=f"{KEY}.slider", on_change=_from_slider,
                  label_visibility="collapsed")
    position = st.empty()
    position.caption(f"{where(pos)} · playing at {speed:g}x" if playing else
                     where(pos) + (" · press Play to watch the run from the start" if pos == 0 else ""))
keep_newest_in_view(follow)

window = state.get(f"{KEY}.window", WINDOW)
start = max(0, pos - window)
if start:
    hidden, more = st.columns([4, 1], vertical_alignment="center")
    hidden.caption(f"{start} earlier events are not drawn (drag the slider back, or show more).")
    more.button("Show 200 more", key=f"{KEY}.more", on_click=lambda: state.update({f"{KEY}.window": window + 200}))
transcript = Transcript(st.container(), members, key_prefix=f"replay{run_id}", files=RunFiles.of(data_dir(), run_id))
transcript.add_all(events[start:pos])

if playing:
    for index in range(pos, total):
        gap = events[index].ts - events[index - 1].ts if index else 0.0
        time.sleep(min(max(gap, 0.0), MAX_GAP_S) / speed)
        transcript.add(events[index])
        state[f"{KEY}.pos"] = index + 1
        progress.progress((index + 1) / total)
        position.caption(f"{where(index + 1)} · playing at {speed:g}x")
    state[f"{KEY}.playing"] = False
    st.rerun()
