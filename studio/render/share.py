"""A run's share link: a read-only replay URL, and (with sign-in) who may open it.

Without sign-in the link is for whoever reaches this studio. With sign-in it opens for anyone signed in
who may see the run: its owner, admins, and everyone once the owner shares it (the toggle here).
"""

from __future__ import annotations

import streamlit as st

from storage import Database
from storage.errors import StorageError
from storage.people import Actor
from storage.runs import RunInfo, set_run_shared


def share_link(db: Database, actor: Actor, run: RunInfo, url: str, key: str) -> None:
    from studio.auth import sign_in_configured

    st.caption("Share its replay (the copy button is at the right of the link):")
    st.code(url, language=None)
    if not sign_in_configured():
        return
    if run.owner_id != actor.person_id and not actor.is_admin:
        st.caption(":material/visibility: Shared with you, read-only.")
        return
    shared = st.toggle("Anyone signed in may open this replay", value=run.shared, key=f"{key}.{run.id}",
                       disabled=not actor.may_run,
                       help="Off: the link opens only for you (and admins); others get \u201cnot found\u201d.")
    if shared != run.shared:
        try:
            set_run_shared(db, run.id, shared, actor)
        except StorageError as error:
            st.error(str(error))
        else:
            st.rerun()
