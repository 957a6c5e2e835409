"""Import / Export: teams in and out of the studio, as JSON files or as a Python script that runs on its own."""

from __future__ import annotations

import streamlit as st

from storage.designs import list_teams
from storage.errors import StorageError
from storage.transfer import import_team
from studio import ui
from studio.auth import current_actor
from studio.render.safe_markdown import safe_markdown
from studio.state import database
from studio.transfer_io import (
    SCRIPT_TARGETS,
    ParsedImport,
    describe_report,
    export_files,
    mcp_notes,
    parse_upload,
)
from studio.validation import validate_document

PAGE = "transfer"


def show_foreign(parsed: ParsedImport) -> None:
    """What became of a file from another tool: what did not map and why, and what to do before running."""
    st.info(safe_markdown(f"**{parsed.source}** is an {parsed.origin} team: it was translated into a Roundtable "
                          "team. Check what was left out before importing."), icon=":material/translate:")
    with st.container(border=True, key=f"{PAGE}.not_mapped"):
        st.markdown(f"**Not imported ({len(parsed.not_mapped)})**" if parsed.not_mapped else
                    "**Everything in the file was imported.**")
        if parsed.not_mapped:
            st.markdown("\n".join(safe_markdown(f"- {item}").replace("\n", " ") for item in parsed.not_mapped))
    for note in parsed.notes:
        st.caption(safe_markdown(f":material/info: {note}"))


db = database()
actor = current_actor()
ui.header(
    "Import / Export",
    "Move a team between studios as a JSON file, or take it out as a Python script to keep working in code. "
    "Files never contain API keys.",
)
import_tab, export_tab = st.tabs([":material/upload: Import a team", ":material/download: Export a team"])

with import_tab:
    upload, paste = st.columns(2)
    uploaded = upload.file_uploader("Upload a team file (.json)", type=["json"], key=f"{PAGE}.upload",
                                    help="A team exported from Roundtable, or a team exported from AutoGen Studio 0.4.")
    pasted = paste.text_area("...or paste its JSON", key=f"{PAGE}.paste", height=140,
                             placeholder='{"format": "roundtable.team", ...}')
    parsed = None
    if uploaded is not None:
        parsed = parse_upload(db, uploaded.getvalue(), uploaded.name, actor)
    elif pasted.strip():
        parsed = parse_upload(db, pasted, "the pasted text", actor)
    if parsed is None:
        ui.empty_state("Upload a file exported from Roundtable, or paste its content, to see what it contains. "
                       "Teams exported from AutoGen Studio 0.4 can be imported too.", ":material/upload_file:")
    elif parsed.document is None:
        if parsed.not_mapped:
            show_foreign(parsed)
        st.error(f"**{parsed.source} cannot be imported:**\n\n" + "\n".join(f"- {p}" for p in parsed.problems)
                 + (f"\n\n{parsed.hint}" if parsed.hint else ""), icon=":material/error:")
    else:
        document = parsed.document
        team = document.team
        with st.container(border=True):
            st.markdown(safe_markdown(f"**{team.name}** \u00b7 {'group chat' if team.kind == 'group' else 'two-agent chat'}"))
            if team.description:
                st.caption(safe_markdown(team.description))
            st.markdown(safe_markdown("**Agents:** " + ", ".join(f"{a.name} ({a.kind.replace('_', ' ')})" for a in document.agents)
                        + "  \n**Models:** " + (", ".join(f"{m.name} ({m.model})" for m in document.models) or "none")
                        + "  \n**Tools:** " + (", ".join(t.name for t in document.tools) or "none")))
            warnings = [i for i in validate_document(document) if i.severity == "warning" or "environment" in i.message]
            for issue in warnings:
                st.caption(f":material/info: {issue}")
            for sentence in mcp_notes(document):
                st.warning(sentence, icon=":material/terminal:")
        if parsed.origin != "Roundtable":
            show_foreign(parsed)
        choice = None
        if parsed.conflicts:
            st.warning("You already have different designs with these names: " + ", ".join(parsed.conflicts),
                       icon=":material/content_copy:")
            choice = st.radio("What should happen to them?", ["copy", "overwrite"], key=f"{PAGE}.on_conflict",
                              format_func=lambda c: "Keep mine, import these as copies with new names"
                              if c == "copy" else "Replace mine with the imported ones")
            if choice == "overwrite":
                for change in parsed.endpoint_changes:
                    st.warning(f"Replacing: {change}.", icon=":material/dns:")
        if st.button("Import team", key=f"{PAGE}.import", type="primary", icon=":material/download_done:",
                     disabled=not actor.may_run, help=ui.viewer_reason(actor)):
            try:
                report = import_team(db, document, on_conflict=choice, source=parsed.source, actor=actor)
            except StorageError as error:
                st.error(str(error))
                st.stop()
            st.session_state["teams.selected"] = report.team
            st.success(f"Imported team \u201c{report.team}\u201d.  \n" + describe_report(report),
                       icon=":material/check_circle:")
            for sentence in report.keys_dropped:
                st.warning(f"Key removed: {sentence}.", icon=":material/key_off:")
            st.page_link("views/teams.py", label="Open it in Teams", icon=":material/groups:")

with export_tab:
    names = [t.name for t in list_teams(db, actor)]
    if not names:
        ui.empty_state("No teams to export yet: build one on the Teams page, or add one from the Gallery.")
    else:
        name = st.selectbox("Team", names, key=f"{PAGE}.team")
        left, right = st.columns(2)
        with right, st.container(border=True):
            st.markdown("**Python script**")
            target = st.segmented_control("Written for", list(SCRIPT_TARGETS), format_func=SCRIPT_TARGETS.get,
                                          key=f"{PAGE}.target", default="components", required=True)
            document, (json_name, json_text), (py_name, py_text) = export_files(db, name, target or "components", actor)
            st.caption("The same team written with the components API: run it with python, or keep building in code. "
                       "Keys come from environment variables." if target != "autogen" else
                       "The same team written for AG2 (`import autogen`): run it where `pip install \"ag2[openai]\"` "
                       "is done. Keys come from environment variables.")
            st.download_button("Download Python", py_text, file_name=py_name, mime="text/x-python",
                               key=f"{PAGE}.download_py", icon=":material/code:", type="primary")
            with st.expander("Show the script"):
                st.code(py_text, language="python", height=400)
        with left, st.container(border=True):
            st.markdown("**JSON file**")
            st.caption("The team with its agents, models and tools, to import into another studio.")
            st.download_button("Download JSON", json_text, file_name=json_name, mime="application/json",
                               key=f"{PAGE}.download_json", icon=":material/data_object:", type="primary")
            with st.expander("Show the JSON"):
                st.code(json_text, language="json", height=400)
