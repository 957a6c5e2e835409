"""Who is acting in this browser session: sign-in with Streamlit's OpenID Connect support, or none.

With an ``[auth]`` section in ``.streamlit/secrets.toml`` (Streamlit's own format: ``redirect_uri``,
``cookie_secret``, ``client_id``, ``client_secret``, ``server_metadata_url``, or one such section per
provider, ``[auth.<name>]``), every page needs sign-in: ``require_actor`` shows the sign-in page and
stops the script until ``st.user`` says the person is signed in, then records them in ``people``
(``storage.people.sign_in``). Without it the actor is the local admin: one person on their own machine.
``ROUNDTABLE_ADMINS`` (emails, comma separated) names people who are admins whatever the admin page says.
"""

from __future__ import annotations

import os
from typing import Any

import streamlit as st

from storage import Database
from storage.people import Actor, local_admin, person, sign_in

_ACTOR = "roundtable.actor"
_PERSON = "roundtable.person_id"


def auth_section() -> dict[str, Any]:
    """The ``[auth]`` secrets section (empty without one)."""
    from streamlit.auth_util import get_secrets_auth_section

    try:
        return get_secrets_auth_section().to_dict()
    except Exception:  # noqa: BLE001 - an unreadable secrets file means: no sign-in configured
        return {}


def sign_in_configured() -> bool:
    return bool(auth_section())


def providers(section: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The providers to offer, by the name ``st.login`` takes (None: the single unnamed one)."""
    if "client_id" in section:
        return {"": section}
    return {name: value for name, value in section.items() if isinstance(value, dict)}


def configured_admins() -> frozenset[str]:
    raw = os.environ.get("ROUNDTABLE_ADMINS", "")
    return frozenset(e.strip().lower() for e in raw.split(",") if e.strip())


def require_actor(db: Database) -> Actor:
    """The person acting in this page run: the local admin without sign-in, else the signed-in person
    (the sign-in page stops the script for someone who is not). Resolved once per page run."""
    if not sign_in_configured():
        actor = _local(db)
    elif not st.user.get("is_logged_in"):
        from studio.sign_in import sign_in_page

        sign_in_page(auth_section())
        st.stop()
    else:
        actor = _signed_in(db)
    st.session_state[_ACTOR] = actor
    return actor


@st.cache_resource(show_spinner=False)
def _local_admin(_db: Database) -> Actor:
    return local_admin(_db)


def _local(db: Database) -> Actor:
    return _local_admin(db)


def _signed_in(db: Database) -> Actor:
    user = st.user.to_dict()
    subject = f"{user.get('iss', '')}|{user.get('sub', '')}"
    known = st.session_state.get(_PERSON)
    if known is not None:
        actor = person(db, known)  # re-read: an admin may have changed the role since
        if actor.subject == subject:
            return actor
    email = str(user.get("email") or "")
    name = str(user.get("name") or user.get("preferred_username") or email)
    actor = sign_in(db, subject, email, name, configured_admins())
    st.session_state[_PERSON] = actor.person_id
    return actor


def current_actor() -> Actor:
    """The actor ``require_actor`` resolved for this page run (pages call this, never ``st.user``)."""
    actor = st.session_state.get(_ACTOR)
    if actor is None:  # a page run on its own (AppTest of one page file): resolve it now
        from studio.state import database

        return require_actor(database())
    return actor


def account_box(actor: Actor) -> None:
    """The sidebar's "signed in as" line and the sign-out button (only with sign-in configured)."""
    if not sign_in_configured():
        return
    with st.sidebar:
        st.caption(f"Signed in as **{actor.label}** · {actor.role}")
        if st.button("Sign out", key="auth.sign_out", icon=":material/logout:"):
            st.session_state.pop(_PERSON, None)
            st.session_state.pop(_ACTOR, None)
            st.logout()
