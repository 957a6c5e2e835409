"""History: every run, filterable; open, replay, continue, fork, export, import or delete one."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from storage.designs import list_teams
from storage.errors import StorageError
from storage.eventlog import events_after
from storage.runs import delete_run, list_runs, run_snapshot
from storage.transfer import import_run
from storage.validation import load_run_json
from studio.auth import current_actor, sign_in_configured
from studio.render.run_header import STATUS_BADGES, elapsed, format_cost, format_duration, usage_totals
from studio.render.safe_markdown import safe_markdown
from studio.render.share import share_link
from studio.render.transcript import Transcript
from studio.runs.export import export_all
from studio.runs.files import RunFiles
from studio.runs.service import continue_run, message_events
from studio.state import database, run_engine
from studio.ui import viewer_reason

KEY = "history"
PREVIEW = 60  # events drawn in the preview: enough to recognise the run, cheap to draw
db, engine = database(), run_engine()
actor = current_actor()

st.title("History")

with st.expander("Import a run (JSON exported from Roundtable)", icon=":material/upload:"):
    upload = st.file_uploader("Run file", type=["json"], key=f"{KEY}.import")
    if upload is not None and st.button("Import this run", key=f"{KEY}.import_go", disabled=not actor.may_run,
                                        help=viewer_reason(actor)):
        try:
            imported = import_run(db, load_run_json(upload.getvalue(), upload.name), source=upload.name, actor=actor)
        except StorageError as exc:
            st.error(str(exc))
        else:
            st.success(
                f"Imported as run #{imported.run_id}." if imported.created
                else f"This run is already here (run #{imported.run_id})."
            )

cols = st.columns([2, 3, 3])
teams = ["All teams"] + sorted(t.name for t in list_teams(db, actor))
team = cols[0].selectbox("Team", teams, key=f"{KEY}.team")
statuses = cols[1].multiselect(
    "Status", list(STATUS_BADGES), format_func=lambda s: STATUS_BADGES[s][0], key=f"{KEY}.status"
)
search = cols[2].text_input("Task contains", key=f"{KEY}.search", placeholder="search the tasks")

runs = list_runs(db, team=None if team == "All teams" else team, statuses=statuses or None, limit=500, actor=actor)
if search.strip():
    runs = [r for r in runs if search.lower() in r.task.lower()]

if not runs:
    st.info("No runs yet. Start one in the Playground." if team == "All teams" and not statuses else "No run matches.")
    st.page_link("views/playground.py", label="Open the Playground", icon=":material/play_circle:")
    st.stop()


def _row(run) -> dict:  # type: ignore[no-untyped-def]
    totals = usage_totals(run)
    return {
        "run": run.id,
        "team": run.team,
        "task": run.task[:90],
        "status": STATUS_BADGES.get(run.status, (run.status,))[0],
        "when": dt.datetime.fromtimestamp(run.created_at).strftime("%Y-%m-%d %H:%M"),
        "duration": format_duration(elapsed(run)),
        "tokens": totals.prompt_tokens + totals.completion_tokens,
        "cost": format_cost(totals.cost),
        **({"shared": "yes" if run.shared else "", "yours": "yes" if run.owner_id == actor.person_id else ""}
           if sign_in_configured() else {}),
    }


table = st.dataframe(
    [_row(r) for r in runs], hide_index=True, use_container_width=True, on_select="rerun",
    selection_mode="single-row", key=f"{KEY}.table",
)
selected = table.selection.rows if table and table.selection else []
linked = st.query_params.get("run")
if selected:
    run = runs[selected[0]]
elif linked and linked.isdigit() and any(r.id == int(linked) for r in runs):
    run = next(r for r in runs if r.id == int(linked))
else:
    st.caption(f"{len(runs)} run(s). Select a row to open, replay, continue, export or delete it.")
    st.stop()
st.subheader(safe_markdown(f"Run #{run.id} · {run.team}"))
st.caption(safe_markdown(run.task))
actions = st.columns(4)
actions[0].page_link("views/playground.py", label="Open", icon=":material/open_in_new:", query_params={"run": str(run.id)})
actions[1].page_link("views/replay.py", label="Replay", icon=":material/replay:", query_params={"run": str(run.id)})
exports = export_all(db, run.id, engine.data_dir)
with actions[2].popover("Export", icon=":material/download:"):
    for ext, label in (("md", "Markdown"), ("html", "HTML page"), ("json", "JSON (re-importable)")):
        st.download_button(label, exports[ext], file_name=f"roundtable-run-{run.id}.{ext}", key=f"{KEY}.dl.{ext}")
mine = (run.owner_id == actor.person_id or actor.is_admin) and actor.may_run
with actions[3].popover("Delete", icon=":material/delete:", disabled=not mine):
    st.write(f"Delete run #{run.id} and its {run.last_seq} events? This cannot be undone.")
    if st.button("Yes, delete it", type="primary", key=f"{KEY}.delete"):
        try:
            delete_run(db, run.id, actor)
        except StorageError as exc:
            st.error(str(exc))
        else:
            st.rerun()

base_url = (st.context.url or "").split("?")[0].rsplit("/", 1)[0]
share_link(db, actor, run, f"{base_url}/replay?run={run.id}", f"{KEY}.share")
with st.expander("Transcript preview", icon=":material/forum:", expanded=True):
    stored = events_after(db, run.id, 0)
    if len(stored) > PREVIEW:
        st.caption(f"The last {PREVIEW} of {len(stored)} events; Replay or Open shows them all.")
    preview = Transcript(st.container(height=420, border=False), run_snapshot(db, run.id, actor).speaking_members(),
                         key_prefix=f"preview{run.id}", files=RunFiles.of(engine.data_dir, run.id))
    preview.add_all(stored[-PREVIEW:])

if run.status in ("running", "waiting_for_input", "created"):
    st.stop()
st.markdown("##### Continue this conversation")
messages = message_events(db, run.id)
points = ["the end"] + [
    f"message {i + 1}: {m.event.sender} — {str(m.event.content or '')[:60]}" for i, m in enumerate(messages)
]
with st.form(f"{KEY}.continue", border=True):
    start_at = st.selectbox(
        "Continue from", points, help="The end continues the conversation; an earlier message forks it from there."
    )
    message = st.text_area("Your message", placeholder="e.g. Now do the same for cubes.")
    go = st.form_submit_button("Start the new run", type="primary", icon=":material/play_arrow:",
                               disabled=not actor.may_run, help=viewer_reason(actor))
if go:
    if not message.strip():
        st.error("Type the message to send.")
    else:
        upto = None if start_at == "the end" else messages[points.index(start_at) - 1].seq
        try:
            new_id = continue_run(db, engine, run.id, message, upto_seq=upto, actor=actor)
        except StorageError as exc:
            st.error(f"This conversation cannot continue: {exc}")
        else:
            st.switch_page("views/playground.py", query_params={"run": str(new_id)})
