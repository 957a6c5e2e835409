"""Gallery: ready-made teams. One click copies a team, with its agents and model, into your designs."""

from __future__ import annotations

import streamlit as st

from storage.designs import list_models
from storage.errors import StorageError
from studio import ui
from studio.auth import current_actor
from studio.defaults import BUILTIN_MODEL_NAME, BUILTIN_MODEL_NOTE
from studio.formstate import show_flash
from studio.gallery import copy_to_designs, customise, gallery_team, gallery_teams
from studio.render.narrow_screen import CARDS_KEY
from studio.state import database

PAGE = "gallery"
WHERE = {
    "local": "On this computer (works everywhere)",
    "docker": "In a Docker sandbox (needs a running Docker engine)",
}

db = database()
actor = current_actor()
ui.header(
    "Gallery",
    "Teams that work out of the box. Add one to your designs, then run it in the Playground or change it.",
)
show_flash(PAGE)
models = {m.name: m for m in list_models(db, actor)}
teams = gallery_teams()
builtin = teams[0].document.model(BUILTIN_MODEL_NAME)
choices = list(models) if BUILTIN_MODEL_NAME in models else [BUILTIN_MODEL_NAME, *models]

with st.container(border=True):
    left, right = st.columns(2)
    left.selectbox(
        "Model the team will use", choices, key=f"{PAGE}.model",
        format_func=lambda n: f"{n} (added with the team)" if n not in models else n,
        help="Every agent of the copied team uses this model. You can change it per agent later.",
    )
    if st.session_state[f"{PAGE}.model"] == BUILTIN_MODEL_NAME:
        left.caption(f"Built-in local model: {BUILTIN_MODEL_NOTE}. For better results, add a provider on the "
                     "Models page and pick it here.")
    right.radio("Where the team runs code", list(WHERE), key=f"{PAGE}.where", format_func=WHERE.get)
    if st.session_state[f"{PAGE}.where"] == "docker":
        from components.coding.docker_executor import default_image, docker_engine_status

        ready, message = docker_engine_status()
        (right.success if ready else right.error)(message, icon=":material/deployed_code:")
        right.text_input("Docker image", value=default_image(), key=f"{PAGE}.image",
                         help="The Plot maker needs matplotlib inside the image.")
    else:
        right.caption("Code runs in a fresh folder for each run, with your permissions. It is not a sandbox; "
                      "the gallery teams only run code they write for your task.")


def add(key: str) -> None:
    """on_click: copy the gallery team into the user's designs."""
    team = gallery_team(key)
    name = st.session_state[f"{PAGE}.model"]
    document = customise(
        team.document, models.get(name, builtin), st.session_state[f"{PAGE}.where"],
        st.session_state.get(f"{PAGE}.image"),
    )
    try:
        report = copy_to_designs(db, document, actor)
    except StorageError as error:
        st.session_state[f"{PAGE}.failed"] = (key, str(error))
        return
    st.session_state.pop(f"{PAGE}.failed", None)
    st.session_state["teams.selected"] = report.team
    st.session_state[f"{PAGE}.added"] = (key, report.team, report.copied)


added = st.session_state.get(f"{PAGE}.added")
for column, team in zip(st.container(key=f"{CARDS_KEY}-gallery").columns(len(teams)), teams, strict=True):
    with column, st.container(border=True, height="stretch"):
        st.subheader(team.title, anchor=False)
        members = "\n".join(f"- **{agent.name}**: {agent.description}" for agent in team.document.agents)
        st.markdown(f"{team.icon} {team.summary}\n\n**Members**\n\n{members}\n\n**Try it with:** *{team.example_task}*")
        st.button("Add to my teams", key=f"{PAGE}.add.{team.key}", type="primary", icon=":material/add:",
                  on_click=add, args=(team.key,), width="stretch", disabled=not actor.may_run,
                  help=ui.viewer_reason(actor))
        failed = st.session_state.get(f"{PAGE}.failed")
        if failed and failed[0] == team.key:
            st.error(failed[1])
        if added and added[0] == team.key:
            copies = f" Some names were taken, so these were added as copies: {', '.join(added[2])}." if added[2] else ""
            st.success(f"Added team \u201c{added[1]}\u201d to your designs.{copies}", icon=":material/check_circle:")
            ui.run_now(added[1], team.example_task, f"{PAGE}.now.{team.key}", width="stretch")
            st.caption(f"Runs it on *{team.example_task}* Or:")
            ui.run_in_playground(added[1], f"{PAGE}.run.{team.key}", team.example_task, type="tertiary")
            st.page_link("views/teams.py", label="Open it in Teams", icon=":material/groups:")
