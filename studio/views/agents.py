"""Agents: who takes part in a conversation. Every engine option in plain words, with defaults per kind."""

from __future__ import annotations

import streamlit as st

from storage.designs import delete_agent, list_agents, list_models, list_tools
from studio import ui
from studio.auth import current_actor
from studio.forms import agents as logic
from studio.formstate import NEW, Form, show_flash
from studio.preferences import default_model_name
from studio.references import agent_users
from studio.state import database

PAGE = "agents"

db = database()
actor = current_actor()
form = Form(PAGE)
ui.header(
    "Agents",
    "The members of your teams. An assistant thinks with a model; a user proxy stands in for you and runs code.",
)
show_flash(PAGE)
agents = {a.name: a for a in list_agents(db, actor)}
model_names = [m.name for m in list_models(db, actor)]
all_tools = list_tools(db, actor)
tool_names = [t.name for t in all_tools]
servers = {t.name: t.server for t in all_tools if t.kind == "mcp" and t.server is not None}
default_model = default_model_name(db, actor)

listing, editor = st.columns([1, 2.2], gap="large")
with listing:
    ui.item_list(
        form, list(agents), lambda n: f"{logic.KINDS[agents[n].kind].label} \u00b7 {agents[n].model or 'no model'}",
        "New agent",
    )

with editor:
    if form.selected is None or (form.selected != NEW and form.selected not in agents):
        ui.nothing_selected(
            bool(agents), "No agents yet: click **New agent**, or copy a ready-made team (with its agents) from the "
            "Gallery.", "Pick an agent on the left to edit it, or click **New agent**.", gallery=True,
        )
        st.stop()
    if form.needs_loading():
        form.load(logic.new_values(default_model) if form.selected == NEW else logic.values_from_spec(agents[form.selected]))

    st.subheader("New agent" if form.selected == NEW else form.selected)
    st.text_input(
        "Name", **form.widget("name"), placeholder="e.g. coder",
        help="Letters, digits, - and _ (no spaces). Other agents and the chat show this name.",
    )
    form.error("name")
    if form.get("display_name") or form.selected != NEW:
        st.text_input(
            "Name in conversations (optional)", **form.widget("display_name"), placeholder=form.get("name") or "",
            help="What the chat shows and the other agents call it, when that differs from the saved name: a copy "
                 "of a gallery or imported agent whose name was taken (e.g. planner_2) keeps speaking as planner.",
        )
        form.error("display_name")
    st.radio(
        "Kind", list(logic.KINDS), **form.widget("kind"), horizontal=True, format_func=lambda k: logic.KINDS[k].label,
        on_change=logic.change_kind, args=(form, default_model),
    )
    kind = logic.KINDS[form.get("kind")]
    st.caption(kind.explanation)
    if form.get("kind_note"):
        st.info(form.get("kind_note"), icon=":material/tune:")
    st.text_input(
        "Description (optional)", **form.widget("description"), placeholder="e.g. Writes Python code to solve the task",
        help="In a group chat, the manager reads this to decide who speaks next.",
    )

    with st.container(border=True):
        st.markdown("**Instructions**")
        custom = st.toggle(
            "Write my own instructions", **form.widget("custom_prompt"),
            help="The system message: what the agent is told about its role before the chat starts.",
        )
        if custom or kind.default_prompt:
            st.text_area(
                "System message", **form.widget("system_message"), height=160, disabled=not custom,
                help="Off: the standard instructions for this kind are used (shown here).",
            )
        else:
            st.caption("A user proxy gets no instructions by default: it only uses them when it has a model.")

    with st.container(border=True):
        st.markdown("**Model**")
        options = ["", *model_names]
        if form.get("model") not in options:
            form.set("model", "")
        st.selectbox(
            "Model", options, **form.widget("model"), label_visibility="collapsed",
            format_func=lambda n: n or "No model: this agent does not write replies itself",
        )
        if not model_names:
            st.caption("No models yet: add one on the Models page, or use the built-in local model there.")
        elif kind.uses_model and not form.get("model"):
            st.warning("Without a model this agent can only run code and relay your answers.", icon=":material/info:")
        form.error("model")

    with st.container(border=True):
        st.markdown("**When to ask you (human input)**")
        st.radio(
            "Human input", list(logic.INPUT_MODES), **form.widget("human_input_mode"), format_func=logic.INPUT_MODES.get,
            label_visibility="collapsed",
        )
        if form.get("kind") == "user_proxy" and form.get("human_input_mode") == "ALWAYS":
            st.caption(
                "A user proxy asks you by default (as in AutoGen), so no code runs on your computer without you "
                "pressing Enter. Choose *Never* to let the team work on its own."
            )

    with st.container(border=True):
        st.markdown("**When the chat ends**")
        left, right = st.columns(2)
        left.selectbox(
            "Stop when it receives", list(logic.TERMINATION_MODES), **form.widget("term_mode"),
            format_func=logic.TERMINATION_MODES.get,
        )
        right.text_input(
            "Keyword", **form.widget("term_keyword"), disabled=form.get("term_mode") == "never",
            help='Agents are told to say "TERMINATE" when they are done.',
        )
        form.error("term_keyword")
        limited = st.checkbox(
            "Limit automatic replies in a row", **form.widget("limit_replies"),
            help="Without a limit, AutoGen stops an agent after 100 automatic replies in a row.",
        )
        if limited:
            st.number_input("Automatic replies in a row, at most", min_value=0, step=1, **form.widget("max_replies"))
        form.error("max_replies")

    with st.container(border=True):
        st.markdown("**Running code**")
        st.radio(
            "Code execution", list(logic.EXEC_MODES), **form.widget("exec_mode"), format_func=logic.EXEC_MODES.get,
            label_visibility="collapsed",
            help="Code found in the messages this agent receives is run, and the output becomes its reply.",
        )
        mode = form.get("exec_mode")
        if mode == "local":
            st.caption(
                ":material/warning: Code runs on this computer with your permissions. It is not a sandbox: "
                "use Docker for code you do not trust."
            )
        if mode != "none":
            left, right = st.columns(2)
            left.number_input("Time limit per run (seconds)", min_value=1, step=10, **form.widget("exec_timeout"))
            right.selectbox(
                "Look for code in", logic.LAST_N_CHOICES, **form.widget("exec_last_n"),
                format_func=lambda n: "messages since its last reply" if n == "auto" else f"the last {n} message(s)",
            )
            form.error("exec_timeout", "exec_last_n")
            st.text_input(
                "Work folder (optional)", **form.widget("exec_work_dir"), placeholder="a fresh folder for each run",
                help="A folder inside the run's own folder, shared by the agents that name it.",
            )
            form.error("exec_work_dir")
        if mode == "docker":
            st.text_input("Docker image", **form.widget("docker_image"), help="Needs Python inside, e.g. python:3-slim.")
            form.error("docker_image")
            a, b, c = st.columns(3)
            a.number_input("Memory limit (MiB, 0 = none)", min_value=0, step=256, **form.widget("docker_memory"))
            b.number_input("CPU limit (0 = none)", min_value=0.0, step=0.5, **form.widget("docker_cpus"))
            c.number_input("Process limit (0 = none)", min_value=0, step=16, **form.widget("docker_pids"))
            st.checkbox("Allow network access from the container", **form.widget("docker_network"))
        form.error("exec_mode")

    with st.container(border=True):
        st.markdown("**Tools**")
        if form.get("tools") and set(form.get("tools")) - set(tool_names):
            form.set("tools", [t for t in form.get("tools") if t in tool_names])
        st.multiselect(
            "Tools", tool_names, **form.widget("tools"), label_visibility="collapsed",
            placeholder="No tools yet: write one on the Tools page" if not tool_names else "Choose tools",
            help="The model may call these functions; a user proxy in the team runs them.",
        )
        for source in [t for t in form.get("tools") or [] if t in servers]:
            listed = servers[source].tool_names()
            if not listed:
                st.caption(f"MCP server **{source}**: all its tools (list them on the Tools page to choose some).")
                continue
            if form.get(f"mcp.{source}") is None:
                form.set(f"mcp.{source}", listed)  # no choice stored: every tool
            options = list(dict.fromkeys([*listed, *form.get(f"mcp.{source}")]))
            st.multiselect(f"Tools of the MCP server {source} this agent may use", options,
                           **form.widget(f"mcp.{source}"))
        form.error("tools", "mcp_tools")

    with st.expander("Advanced: memory and default reply"):
        a, b = st.columns(2)
        a.number_input(
            "Remember only the last N messages (0 = all)", min_value=0, step=1, **form.widget("ctx_messages"),
            help="Keeps long chats within the model's context window.",
        )
        b.number_input("Trim history to about N tokens (0 = no limit)", min_value=0, step=500, **form.widget("ctx_tokens"))
        st.text_input(
            "Default reply", **form.widget("default_auto_reply"),
            help="What the agent says when it has nothing else to say (no model, no code to run).",
        )
    form.other_errors(["name", "display_name", "model", "term_keyword", "max_replies", "exec_timeout", "exec_last_n", "exec_work_dir",
                       "docker_image", "exec_mode", "tools"])

    save_col, delete_col = st.columns([1, 1])
    save_col.button(
        "Save agent", key=f"{PAGE}.save", type="primary", icon=":material/save:", on_click=logic.save, args=(db, form),
        width="stretch", disabled=not actor.may_run, help=ui.design_refusal(actor),
    )
    if form.selected != NEW:
        with delete_col:
            ui.delete_button(form, "agent", form.selected, agent_users(db, form.selected, actor),
                             lambda n: delete_agent(db, n, actor), actor)
