"""Playground: pick a team, give it a task, watch it work; stop it, answer it, continue it."""

from __future__ import annotations

from functools import partial

import streamlit as st

from storage.designs import list_teams
from storage.documents import FINISHED_STATUSES
from storage.errors import StorageError
from storage.runs import get_run, list_runs
from studio.auth import current_actor
from studio.gallery import add_as_is, gallery_teams
from studio.render.answer_panel import answer_panel, answer_placeholder
from studio.render.live import follow_run
from studio.render.narrow_screen import CARDS_KEY
from studio.runs.service import continue_run, start_team_run
from studio.state import database, run_engine
from studio.ui import viewer_reason

KEY = "playground"
db, engine = database(), run_engine()
actor = current_actor()


def _current_run() -> int | None:
    """The run to show: ?run=<id> (survives a refresh), else the one this browser tab started last."""
    raw = st.query_params.get("run")
    if raw and raw.isdigit():
        st.session_state[f"{KEY}.run_id"] = int(raw)
    return st.session_state.get(f"{KEY}.run_id")


def _show(run_id: int) -> None:
    st.session_state[f"{KEY}.run_id"] = run_id
    st.query_params["run"] = str(run_id)
    st.rerun()


st.title("Playground")
teams = [t.name for t in list_teams(db, actor)]
run_id = _current_run()

with st.sidebar:
    st.subheader("New run")
    if not teams:
        st.info("No teams yet: start with a ready-made one (on the right), or build your own under Design.")
        st.page_link("views/gallery.py", label="Open the Gallery", icon=":material/auto_awesome:")
    else:
        with st.form(f"{KEY}.new", border=False):
            team = st.selectbox("Team", teams, key=f"{KEY}.team")
            task = st.text_area("Task", placeholder="e.g. Print the first 10 square numbers.", key=f"{KEY}.task", height=120)
            files = st.file_uploader("Files for the team (optional)", accept_multiple_files=True, key=f"{KEY}.files")
            submitted = st.form_submit_button("Run", type="primary", icon=":material/play_arrow:", use_container_width=True,
                                              disabled=not actor.may_run, help=viewer_reason(actor))
        if not actor.may_run:
            st.caption(viewer_reason(actor))
        if submitted:
            if not task.strip():
                st.error("Type a task for the team first.")
                st.toast("Type a task for the team first: the box is in the sidebar, above **Run**.",
                         icon=":material/edit_note:")
            else:
                try:
                    new_id = start_team_run(db, engine, team, task, [(f.name, f.getvalue()) for f in files or []],
                                            actor=actor)
                except (StorageError, ValueError) as exc:
                    st.error(f"This team cannot run yet: {exc}")
                else:
                    _show(new_id)
    if run_id is not None:
        st.divider()
        st.page_link("views/history.py", label="All runs", icon=":material/history:")

def _add_and_run(key: str, task: str) -> None:
    """First launch: copy a gallery team as it ships and run it on its example task, in one click."""
    try:
        run_id = start_team_run(db, engine, add_as_is(db, key, actor), task, actor=actor)
    except (StorageError, ValueError) as exc:
        st.error(f"This team cannot run yet: {exc}")
    else:
        _show(run_id)


if run_id is None and not teams:
    st.markdown("Start with a ready-made team: one click adds it and runs it on an example task, with the built-in "
                "model on this computer (no API key needed). You can change it all later.")
    offers = st.container(key=f"{CARDS_KEY}-offers").columns(len(gallery_teams()))
    for column, offer in zip(offers, gallery_teams(), strict=True):
        with column, st.container(border=True, height="stretch"):
            st.markdown(f"**{offer.icon} {offer.title}**\n\n{offer.summary}\n\n*{offer.example_task}*")
            if st.button("Add and run", key=f"{KEY}.offer.{offer.key}", type="primary", icon=":material/play_arrow:",
                         width="stretch", disabled=not actor.may_run, help=viewer_reason(actor)):
                _add_and_run(offer.key, offer.example_task)
    st.stop()

if run_id is None:
    st.markdown(
        "Choose a team and give it a task in the sidebar, then press **Run**. Every message, every piece of "
        "code and its result appear here as the agents work; you can stop the run, answer an agent that asks "
        "you something, and continue the conversation when it is done."
    )
    recent = list_runs(db, limit=5, actor=actor)
    if recent:
        st.markdown("##### Recent runs")
        for past in recent:
            label = f"#{past.id} · {past.team} · {past.task[:70]}"
            st.page_link("views/playground.py", label=label, query_params={"run": str(past.id)},
                         icon=":material/chat:")
    st.stop()

try:
    run = get_run(db, run_id, actor)  # someone else's run that is not shared: "not found", like a deleted one
except StorageError:
    st.warning(f"Run #{run_id} does not exist (it may have been deleted).")
    st.session_state.pop(f"{KEY}.run_id", None)
    st.query_params.clear()
    st.stop()

# Executed here: the handle knows (even if its last status could not be stored); else the stored status.
active = engine.is_active(run_id) if engine.handle(run_id) is not None else run.status not in FINISHED_STATUSES
mine = run.owner_id == actor.person_id or actor.is_admin  # others' shared runs are read-only here
if not mine:
    st.info("This run was shared with you: you can watch it; a follow-up message starts a run of your own.",
            icon=":material/visibility:")
if active and mine:
    # Streamlit's own header "Stop" would end this page's live loop, not the run: hide it here.
    st.markdown("<style>[data-testid='stStatusWidget']{display:none}</style>", unsafe_allow_html=True)
    if st.button("Stop the run", icon=":material/stop_circle:", key=f"{KEY}.stop"):
        engine.stop(run_id)
        st.toast(f"Stopping run #{run_id}…")

footer = None  # what to draw under the conversation
request = engine.pending(run_id, run.status) if mine else None
if request is not None:

    def send(text: str, request_id: str = request.request_id) -> None:
        engine.answer(run_id, request_id, text)
        st.rerun()

    answer = st.chat_input(answer_placeholder(request), key=f"{KEY}.answer")
    if answer is not None:
        send(answer)
    footer = partial(answer_panel, request, send)
elif not active and run.status in FINISHED_STATUSES and actor.may_run:
    follow_up = st.chat_input("Send a follow-up message to continue this conversation", key=f"{KEY}.follow")
    if follow_up:
        try:
            _show(continue_run(db, engine, run_id, follow_up, actor=actor))
        except StorageError as exc:
            st.error(f"This conversation cannot continue: {exc}")

follow_run(db, engine, run_id, footer, shown_request=request.request_id if request else None)
if active:
    st.rerun()  # the run just ended while we watched: redraw with the follow-up box
