"""Teams: who talks with whom. A two-agent chat or a group chat, its order, its rules, and a check before running."""

from __future__ import annotations

import streamlit as st

from storage.design_rows import TEAM
from storage.designs import delete_team, list_agents, list_models, list_teams, ownership
from studio import ui
from studio.auth import current_actor
from studio.forms import teams as logic
from studio.formstate import NEW, Form, show_flash
from studio.state import database
from studio.validation import validate_team


def _end_rules(form: Form) -> None:
    """The team-wide rules that end the chat, whoever speaks (on top of each agent's own)."""
    st.markdown("End the chat when")
    text_col, count_col = st.columns(2)
    if text_col.checkbox("A message mentions a phrase", **form.widget("stop_on_text"),
                         help="Any message after the task that contains the phrase (exact case) ends the chat."):
        text_col.text_input("Phrase", max_chars=200, **form.widget("stop_text"), placeholder="e.g. APPROVED")
    form.error("stop_text")
    if count_col.checkbox("The chat reaches a number of messages", **form.widget("stop_on_count"),
                          help="Counts every message, the task included."):
        count_col.number_input("Messages at most", min_value=1, max_value=10_000, step=1, **form.widget("stop_count"))
    form.error("stop_count")
    if form.get("kind") == "group":
        st.checkbox('A member says just "TERMINATE"', **form.widget("stop_on_bare_terminate"),
                    help="AutoGen's default. Untick it when a small model says TERMINATE before the work is done: "
                    "then only the rules above and the rounds end the chat.")


PAGE = "teams"

db = database()
actor = current_actor()
form = Form(PAGE)
ui.header(
    "Teams",
    "A team is the agents that work on a task together, and the rules of their conversation.",
)
show_flash(PAGE)
teams = {t.name: t for t in list_teams(db, actor)}
agents = {a.name: a for a in list_agents(db, actor)}
model_names = [m.name for m in list_models(db, actor)]
owners = ownership(db, TEAM, actor)

listing, editor = st.columns([1, 2.2], gap="large")
with listing:
    ui.item_list(
        form, list(teams), lambda n: f"{'Group chat' if teams[n].kind == 'group' else 'Two-agent chat'} \u00b7 "
        + ", ".join(teams[n].members),
        "New team",
    )

with editor:
    if form.selected is None or (form.selected != NEW and form.selected not in teams):
        ui.nothing_selected(
            bool(teams), "No teams yet: click **New team**, or copy a ready-made one from the Gallery.",
            "Pick a team on the left to edit it, or click **New team**.", gallery=True,
        )
        st.stop()
    if form.needs_loading():
        form.load(logic.new_values() if form.selected == NEW else logic.values_from_spec(teams[form.selected]))
    if not agents:
        ui.empty_state("A team needs agents: create at least two on the Agents page first.", ":material/smart_toy:")
        st.page_link("views/agents.py", label="Go to Agents", icon=":material/smart_toy:")
        st.stop()

    st.subheader("New team" if form.selected == NEW else form.selected)
    st.text_input("Name", **form.widget("name"), placeholder="e.g. Coder + Executor")
    form.error("name")
    st.text_area("What is it for? (optional)", **form.widget("description"), height=68)
    st.radio("Kind of chat", list(logic.KINDS), **form.widget("kind"), format_func=logic.KINDS.get)
    group = form.get("kind") == "group"

    with st.container(border=True):
        st.markdown("**Members**")
        form.set("members", [m for m in form.get("members") or [] if m in agents])
        st.multiselect(
            "Agents in this team", list(agents), **form.widget("members"),
            placeholder="Choose agents",
            help="In turn-taking group chats, members speak in this order; use the arrows to change it.",
        )
        members = list(form.get("members") or [])
        form.error("members")
        if group and len(members) > 1:
            for index, name in enumerate(members):
                a, b, c = st.columns([6, 1, 1], vertical_alignment="center")
                a.markdown(f"{index + 1}. **{name}** \u00b7 {agents[name].kind.replace('_', ' ')}")
                b.button("", key=f"{PAGE}.up.{name}", icon=":material/arrow_upward:", disabled=index == 0,
                         on_click=logic.move, args=(form, name, -1), help=f"Move {name} up")
                c.button("", key=f"{PAGE}.down.{name}", icon=":material/arrow_downward:",
                         disabled=index == len(members) - 1, on_click=logic.move, args=(form, name, 1),
                         help=f"Move {name} down")
        if form.get("initiator") not in members:
            form.set("initiator", members[0] if members else None)
        st.selectbox(
            "Who sends the task", members, **form.widget("initiator"),
            help="This member starts the chat with the task you type in the Playground (usually the user proxy).",
        )
        form.error("initiator")

    with st.container(border=True):
        st.markdown("**Rules of the conversation**")
        if group:
            st.radio("Who speaks next", list(logic.SPEAKER_SELECTION), **form.widget("speaker_selection"),
                     format_func=logic.SPEAKER_SELECTION.get)
            if form.get("speaker_selection") == "auto":
                if form.get("manager_model") not in ["", *model_names]:
                    form.set("manager_model", "")
                st.selectbox(
                    "Manager's model", ["", *model_names], **form.widget("manager_model"),
                    format_func=lambda n: n or "None: members take turns in order",
                    help="The model that reads the conversation and picks the next speaker.",
                )
                form.error("manager_model")
            st.number_input("Rounds at most", min_value=1, step=1, **form.widget("max_round"),
                            help="The chat stops after this many messages.")
            left, right = st.columns(2)
            left.checkbox("A member may speak twice in a row", **form.widget("allow_repeat_speaker"),
                          disabled=bool(form.get("use_transitions")),
                          help="With transitions, allow it by letting a member follow itself.")
            right.checkbox("Introduce the members first", **form.widget("send_introductions"),
                           help="The manager tells everyone who is in the team before the task.")
        else:
            limited = st.checkbox("Limit the number of turns", **form.widget("limit_turns"),
                                  help="Without a limit the chat runs until an agent ends it.")
            if limited:
                st.number_input("Turns at most (one turn = one message from each)", min_value=1, step=1,
                                **form.widget("max_turns"))
            form.error("max_turns")
        _end_rules(form)
        st.selectbox("Result of the chat", list(logic.SUMMARY), **form.widget("summary_method"),
                     format_func=logic.SUMMARY.get)

    if group:
        with st.container(border=True):
            st.markdown("**Who may speak after whom**")
            restricted = st.toggle("Limit who may speak after whom", **form.widget("use_transitions"))
            if restricted and members:
                st.radio("The arrows are", ["allowed", "disallowed"], **form.widget("transitions_type"), horizontal=True,
                         format_func=lambda t: "the only moves allowed" if t == "allowed" else "moves that are forbidden")
                for name in members:
                    if form.get(f"edges.{name}") and set(form.get(f"edges.{name}")) - set(members):
                        form.set(f"edges.{name}", [t for t in form.get(f"edges.{name}") if t in members])
                    st.multiselect(f"After **{name}**", members, **form.widget(f"edges.{name}"),
                                   placeholder="nobody chosen")
                form.error("transitions")
                st.graphviz_chart(logic.transitions_dot(
                    members, logic.edges(form), form.get("transitions_type"), form.get("initiator")))
                st.caption("The member with the thick border sends the task. " + (
                    "Each arrow is a move that may happen; no other move can." if form.get("transitions_type") == "allowed"
                    else "Red dashed arrows are moves that may not happen; every other move can."))

    form.other_errors(["name", "members", "initiator", "manager_model", "max_turns", "transitions", "stop_text",
                       "stop_count"])
    save_col, check_col, delete_col = st.columns([1, 1, 1.2])
    save_col.button("Save team", key=f"{PAGE}.save", type="primary", icon=":material/save:", on_click=logic.save,
                    args=(db, form), width="stretch", disabled=not actor.may_run, help=ui.design_refusal(actor))
    checked = check_col.button("Check the team", key=f"{PAGE}.validate", icon=":material/fact_check:",
                               width="stretch", help="Lists every problem that would stop it from running.")
    if form.selected != NEW:
        with delete_col:
            ui.delete_button(form, "team", form.selected, [], lambda n: delete_team(db, n, actor), actor)
        ui.share_controls(db, actor, TEAM, form.selected, owners.get(form.selected))
        ui.run_in_playground(form.selected, f"{PAGE}.run", type="tertiary")
    if checked:
        form.clear_errors()
        spec = logic.spec_from_form(form)
        if spec is None:
            st.rerun()
        with st.spinner("Checking models, code execution and the conversation rules..."):
            issues = validate_team(db, spec, actor)
        st.session_state[f"{PAGE}.issues"] = (form.selected, issues)
    found = st.session_state.get(f"{PAGE}.issues")
    if found and found[0] == form.selected:
        errors = [i for i in found[1] if i.severity == "error"]
        warnings = [i for i in found[1] if i.severity == "warning"]
        if not errors and not warnings:
            st.success("Ready to run: no problems found.", icon=":material/check_circle:")
        if errors:
            st.error(f"**{len(errors)} problem{'s' if len(errors) > 1 else ''} to fix before it can run:**\n\n"
                     + "\n".join(f"- **{i.where}**: {i.message}" for i in errors), icon=":material/error:")
        if warnings:
            st.warning("**Worth a look:**\n\n" + "\n".join(f"- **{i.where}**: {i.message}" for i in warnings),
                       icon=":material/warning:")

