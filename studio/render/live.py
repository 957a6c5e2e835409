"""Following a run live: draw what is stored, then poll for "events after seq N" and append them.

Measured (ENVIRONMENT.md, "Live rendering in Streamlit"): a polling loop at the end of the script that
appends one element per new event renders fastest and without flicker; fragments that redraw the list
flicker or lose events. The streamed text of the reply being written lives in a placeholder at the end.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import streamlit as st

from components.events import ChatFinished, MessageSent, SpeakerSelected
from storage import Database
from storage.control import live_text
from storage.documents import ACTIVE_STATUSES, FINISHED_STATUSES
from storage.eventlog import StoredEvent, events_after
from storage.runs import get_run, run_snapshot
from studio.render.avatars import agent_color, avatar_uri
from studio.render.follow import keep_newest_in_view
from studio.render.run_header import render_run_header
from studio.render.safe_markdown import safe_markdown
from studio.render.transcript import Transcript
from studio.runs.engine import RunEngine
from studio.runs.files import RunFiles

POLL_S = 0.1
TAIL = 150  # events drawn when a page (re)attaches to a long run; the browser's cost grows with each bubble


def _draw_footer(run_id: int, footer: Callable[[], None] | None, request_id: object) -> None:
    """Draw ``footer`` in one of two slots, the other one for each new question.

    This page's script keeps running while it follows the run, so Streamlit never clears what an earlier
    run of it drew and this one did not redraw: a question drawn over the previous one, in the same place,
    would keep the earlier buttons its layout lacks (an "Approve" beside a plain question). A slot that
    held the previous question is drawn empty instead, which takes all of it away.
    """
    slots = (st.empty(), st.empty())
    if footer is None:
        return
    memory = f"live.{run_id}.footer"
    shown, side = st.session_state.get(memory, (None, 1))
    if request_id != shown:
        side = 1 - side
        st.session_state[memory] = (request_id, side)
    with slots[side].container():
        footer()


_BUBBLE = "the streamed reply's bubble"  # what the typing slot shows, when it is not a status line


def follow_run(
    db: Database, engine: RunEngine, run_id: int, footer: Callable[[], None] | None = None,
    shown_request: str | None | object = ...,
) -> None:
    """Render run ``run_id`` and keep appending until it ends (returns at once for a finished run).

    ``footer`` draws widgets below the conversation (e.g. the answer panel); new events go above it.
    ``shown_request``: the id of the question the page drew an answer box for (None: none). Give it when
    the page read the question itself: a question asked after that read then redraws the page, instead
    of being taken for the one already shown.
    """
    members = run_snapshot(db, run_id).speaking_members()
    header = st.empty()
    transcript = Transcript(st.container(), members, key_prefix=f"live{run_id}", files=RunFiles.of(engine.data_dir, run_id))
    stored = events_after(db, run_id, 0)
    shown = st.session_state.get(f"live.{run_id}.shown", TAIL)
    if len(stored) > shown:
        hidden, more = st.columns([4, 1], vertical_alignment="center")
        hidden.caption(f"{len(stored) - shown} earlier events are not drawn.")
        more.button("Show all", key=f"live.{run_id}.all",
                    on_click=lambda: st.session_state.update({f"live.{run_id}.shown": len(stored) + 10_000}))
    transcript.add_all(stored[-shown:])
    typing = st.empty()
    _draw_footer(run_id, footer, shown_request)
    last_seq = stored[-1].seq if stored else 0
    rounds = sum(isinstance(e.event, MessageSent) for e in stored)
    run = get_run(db, run_id)
    keep_newest_in_view(run.status in ACTIVE_STATUSES)  # unless the person scrolled up
    if shown_request is ...:
        asked = engine.pending(run_id, run.status)
        shown_request = asked.request_id if asked else None
    drawn: tuple[object, ...] = ()
    speaker = _waiting_speaker(stored)
    status_line: str | None = None
    while True:
        run = get_run(db, run_id)
        handle = engine.handle(run_id)  # set when this process executes the run: its streamed text
        new = events_after(db, run_id, last_seq)
        for item in new:
            rounds += isinstance(item.event, MessageSent)
            speaker = _waiting_speaker([item], speaker)
        if handle is not None:
            live = handle.live_text()
        else:  # executed by another process (a worker): its streamed text as last shared
            live = live_text(db, run_id) if run.status == "running" else None
        # The typing slot first: a finished reply's bubble goes before its message is drawn, never both.
        if live and live[0] in members:
            agent, text = live
            status_line = _BUBBLE  # whatever comes next replaces the bubble, even no line at all
            with typing.container():
                with st.chat_message(agent, avatar=avatar_uri(agent, agent_color(agent, members))):
                    st.markdown(f"**{agent}** is writing…")
                    st.markdown(safe_markdown(text) + " ▌")
        else:
            # The manager's own call (choosing a speaker) is no speech bubble: a status line says who is up.
            line = ("choosing who speaks next…" if live else f"**{speaker}** is thinking…" if speaker else None)
            if run.status not in ACTIVE_STATUSES:
                line = None
            if line != status_line:
                status_line = line
                if line:
                    typing.caption(safe_markdown(f":material/more_horiz: {line}"))
                else:
                    typing.empty()
        for item in new:
            transcript.add(item)
            last_seq = item.seq
        state = (run.status, int(time.time()))  # the header is costly to redraw: at most once a second
        if state != drawn:
            with header.container():
                render_run_header(run, rounds)
            drawn = state
        pending = engine.pending(run_id, run.status)
        if (pending.request_id if pending else None) != shown_request:
            st.rerun()  # draw the answer box for the new question, or take away the answered one
        if not new and _ended(engine, run_id, run):
            break
        time.sleep(POLL_S)
    typing.empty()
    if handle is not None and handle.storage_error and get_run(db, run_id).status in ACTIVE_STATUSES:
        st.error(f"The run was stopped: it {handle.storage_error}. Everything recorded before is kept; the run "
                 "will read \"failed\" as soon as the database accepts writes again.", icon=":material/database:")


def _waiting_speaker(events: list[StoredEvent], speaker: str | None = None) -> str | None:
    """The speaker the manager chose who has not sent a message yet (None once they have)."""
    for item in events:
        if isinstance(item.event, SpeakerSelected):
            speaker = item.event.speaker
        elif isinstance(item.event, ChatFinished) or (
            isinstance(item.event, MessageSent) and item.event.sender == speaker
        ):
            speaker = None
    return speaker


def _ended(engine: RunEngine, run_id: int, run) -> bool:  # type: ignore[no-untyped-def]
    """True once nothing more can arrive. A run whose process died is marked interrupted by a control
    loop within its lease (storage.control), so waiting for a finished status is enough."""
    handle = engine.handle(run_id)
    if handle is not None:
        return handle.done.is_set()  # its worker is here: it ended even if the status could not be stored
    return run.status in FINISHED_STATUSES
