"""People (admins only): who has signed in, when, and with which role; change a role here."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from storage.errors import StorageError
from storage.people import ROLES, list_people, set_role
from studio import ui
from studio.auth import configured_admins, current_actor
from studio.state import database

PAGE = "people"
ROLE_HELP = "Admins see and change everything and manage people; editors design and run; viewers replay and export."

db = database()
actor = current_actor()
ui.header("People", "Everyone who has signed in to this studio, and what they may do. " + ROLE_HELP)
if not actor.is_admin:
    st.warning("Only admins see this page.", icon=":material/lock:")
    st.stop()


def _when(ts: float) -> str:
    return dt.datetime.fromtimestamp(ts).strftime("%Y-%m-%d %H:%M")


for info in list_people(db, actor):
    person = info.actor
    with st.container(border=True, key=f"{PAGE}-person-{person.person_id}"):
        who, role, seen = st.columns([3, 2, 2], vertical_alignment="center")
        who.markdown(f"**{person.name or person.email}**  \n{person.email}")
        pinned = person.email in configured_admins()
        chosen = role.selectbox(
            "Role", ROLES, index=ROLES.index(person.role), key=f"{PAGE}.role.{person.person_id}",
            disabled=pinned, help="Listed in ROUNDTABLE_ADMINS: always an admin." if pinned else ROLE_HELP,
        )
        seen.caption(f"First seen {_when(info.first_seen)}  \nLast seen {_when(info.last_seen)}")
        if chosen != person.role:
            try:
                set_role(db, actor, person.person_id, chosen)
            except (StorageError, ValueError) as error:
                st.error(str(error))
            else:
                st.toast(f"{person.email or person.name} is now {chosen}.", icon=":material/check:")
                st.rerun()
