"""Widgets every design page shares: the header, empty states, the item list and the delete dialog."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import streamlit as st

from storage import Database, InUseError, NotFoundError
from storage.design_rows import DesignKind
from storage.designs import Ownership, set_shared
from storage.errors import StorageError
from storage.people import Actor
from studio.formstate import NEW, Form, flash

_STYLE = """
<style>
/* Code typed into text areas (tools, system messages, JSON) reads better in a monospace font. */
.st-key-tools-f-source textarea, .st-key-transfer-paste textarea, .st-key-models-f-extra textarea {
  font-family: "Source Code Pro", ui-monospace, monospace; font-size: 0.85rem;
}
/* The saved items on the left of a design page: name first, left-aligned, compact. */
div[class*="-item-"] button, div[class*="-item-"] button > div { justify-content: flex-start; text-align: left; }
div[class*="-item-"] button { min-height: 1.5rem; padding: 0; }
div[class*="-item-"] [data-testid="stCaptionContainer"] { margin-top: -0.75rem; }
</style>
"""


def header(title: str, intro: str) -> None:
    """The page title and one sentence saying what the page is for."""
    st.html(_STYLE)
    st.title(title)
    st.caption(intro)


def empty_state(message: str, icon: str = ":material/lightbulb:") -> None:
    """What to do when a list is empty: a sentence, not a blank page."""
    st.info(message, icon=icon)


def item_list(form: Form, names: Sequence[str], describe: Callable[[str], str], new_label: str) -> None:
    """The list of saved items on the left of a page: click one to edit it, or start a new one."""
    st.button(
        new_label, key=f"{form.page}.new", icon=":material/add:", type="primary", width="stretch",
        on_click=form.select, args=(NEW,),
    )
    for name in names:
        chosen = form.selected == name
        with st.container(border=True, key=f"{form.page}-item-{_css(name)}"):
            st.button(
                f"**{name}**", key=f"{form.page}.pick.{name}", type="tertiary", width="stretch",
                on_click=form.select, args=(name,), icon=":material/radio_button_checked:" if chosen else None,
            )
            st.caption(describe(name))


def nothing_selected(has_items: bool, empty_message: str, pick_message: str, gallery: bool = False) -> None:
    """The right side of a design page before anything is picked: what to do, in one box."""
    if has_items:
        empty_state(pick_message, ":material/arrow_back:")
        return
    empty_state(empty_message)
    if gallery:
        st.page_link("views/gallery.py", label="Browse ready-made teams in the Gallery", icon=":material/auto_awesome:")


def run_in_playground(team: str, key: str, task: str = "", **button: object) -> None:
    """A button that opens the Playground with this team (and a task) already chosen."""
    if st.button("Run it in the Playground", key=key, icon=":material/play_circle:", **button):  # type: ignore[arg-type]
        st.session_state["playground.team"] = team  # the Playground's own widget keys
        if task:
            st.session_state["playground.task"] = task
        st.switch_page("views/playground.py")


def viewer_reason(actor: Actor) -> str | None:
    """Why this person cannot start runs (for a disabled button's help), or None."""
    return None if actor.may_run else "Viewers replay and export runs; ask an admin for the editor role to run."


def design_refusal(actor: Actor) -> str | None:
    """Why this person cannot save or delete designs (for a disabled button's help), or None."""
    return None if actor.may_run else "Viewers look at designs; ask an admin for the editor role to change them."


def run_now(team: str, task: str, key: str, **button: object) -> None:
    """The main action once a team is there: start it on ``task`` at once and open the live run."""
    from studio.auth import current_actor

    actor = current_actor()
    if reason := viewer_reason(actor):
        button = {**button, "disabled": True, "help": reason}
    if st.button("Run it now", key=key, type="primary", icon=":material/play_arrow:", **button):  # type: ignore[arg-type]
        from studio.runs.service import start_team_run
        from studio.state import database, run_engine

        try:
            run_id = start_team_run(database(), run_engine(), team, task, actor=actor)
        except (StorageError, ValueError) as exc:
            st.error(f"This team cannot run yet: {exc}")
        else:
            st.switch_page("views/playground.py", query_params={"run": str(run_id)})


def share_controls(db: Database, actor: Actor, kind: DesignKind[Any], name: str, owned: Ownership | None) -> None:
    """Who owns this team or model, and (for its owner, with sign-in) whether everyone signed in may use
    it; for a model also whether they may use its stored key."""
    from studio.auth import sign_in_configured

    if owned is None or not sign_in_configured():
        return
    if owned.owner_id != actor.person_id and not actor.is_admin:
        st.caption(f":material/share: Shared by {owned.owner}: you may use it; only its owner changes it.")
        return
    noun = kind.label
    shared = st.toggle(f"Share this {noun} with everyone signed in", value=owned.shared, key=f"share.{noun}.{name}",
                       disabled=not actor.may_run, help=f"Others see and use the {noun}; only you change it.")
    share_key = owned.share_key
    if kind.label == "model":
        share_key = st.checkbox("Others may use my key", value=owned.share_key, key=f"share.key.{name}",
                                disabled=not shared or not actor.may_run,
                                help="Without this, runs of other people never receive the key stored here.")
    if (shared, shared and share_key) != (owned.shared, owned.share_key):
        try:
            set_shared(db, kind, name, shared, share_key=share_key, actor=actor)
        except StorageError as error:
            st.error(str(error))
        else:
            st.rerun()


def delete_button(
    form: Form, kind: str, name: str, used_by: list[str], delete: Callable[[str], None], actor: Actor,
) -> None:
    """A Delete button that asks for confirmation first, and explains when the item is still in use."""
    flag = f"{form.page}.deleting"
    refusal = design_refusal(actor)
    if st.button(f"Delete this {kind}", key=f"{form.page}.delete", icon=":material/delete:", disabled=bool(refusal),
                 help=refusal):
        st.session_state[flag] = name
    if st.session_state.get(flag) == name:
        _confirm_delete(form, kind, name, used_by, delete)


def _confirm_delete(form: Form, kind: str, name: str, used_by: list[str], delete: Callable[[str], None]) -> None:
    flag = f"{form.page}.deleting"

    def forget() -> None:
        st.session_state.pop(flag, None)

    @st.dialog(f"Delete {kind} \u201c{name}\u201d?", on_dismiss=forget)
    def dialog() -> None:
        if used_by:
            st.warning(
                f"This {kind} is used by {', '.join(used_by)}. Remove it there first, then delete it.",
                icon=":material/link:",
            )
        else:
            st.write(f"The {kind} **{name}** will be removed from your designs. This cannot be undone.")
        left, right = st.columns(2)
        if left.button("Cancel", key=f"{form.page}.delete_cancel", width="stretch"):
            forget()
            st.rerun()
        if right.button(
            "Delete", key=f"{form.page}.delete_confirm", type="primary", width="stretch", disabled=bool(used_by),
        ):
            try:
                delete(name)
            except (InUseError, NotFoundError) as error:
                st.error(str(error))
                return
            forget()
            form.select(None)
            flash(form.page, f"Deleted {kind} \u201c{name}\u201d.", ":material/delete:")
            st.rerun()

    dialog()


def _css(name: str) -> str:
    """A name made safe for a CSS class (Streamlit turns ``key`` into ``st-key-<key>``)."""
    return "".join(c if c.isalnum() or c in "-_" else "-" for c in name)
