"""The Tools page's editor for an MCP server: how to start or reach it, its tools, trying one, saving."""

from __future__ import annotations

import streamlit as st

from storage import Database
from storage.designs import delete_tool
from storage.mcp_documents import McpToolEntry
from studio import ui
from studio.auth import current_actor
from studio.forms import mcp_servers as logic
from studio.formstate import Form
from studio.references import tool_users
from studio.render.safe_markdown import safe_markdown
from studio.tool_check import describe_parameters


def draw(db: Database, form: Form) -> None:
    new = form.selected == logic.NEW_SERVER
    st.subheader("New MCP server" if new else form.selected)
    st.caption("An MCP server offers tools over the Model Context Protocol. Roundtable starts it when a run "
               "starts and stops it when the run ends. Secrets never go here: name the environment variables "
               "that hold them.")
    st.text_input("Name", **form.widget("m_name"), placeholder="time",
                  help="Letters, digits and _; agents pick this server's tools by this name.")
    form.error("m_name")
    st.radio("How to reach it", list(logic.TRANSPORTS), format_func=logic.TRANSPORTS.get, horizontal=True,
             **form.widget("m_transport"))
    if (form.get("m_transport") or "stdio") == "stdio":
        _stdio_fields(form)
    else:
        _url_fields(form)
    st.number_input("Seconds one tool call may take", min_value=1.0, max_value=3600.0, step=5.0,
                    **form.widget("m_timeout"))
    form.error("m_timeout")
    st.text_input("Description (optional)", **form.widget("m_description"), placeholder="What these tools are for")
    _tools(form)
    form.other_errors(["m_name", "m_command", "m_args", "m_env", "m_url", "m_headers", "m_timeout"])
    actor = current_actor()
    save_col, delete_col = st.columns([1, 1])
    save_col.button("Save server", key="tools.mcp_save", type="primary", icon=":material/save:",
                    on_click=logic.save, args=(db, form), width="stretch", disabled=not actor.may_run,
                    help=ui.design_refusal(actor))
    if not new:
        with delete_col:
            ui.delete_button(form, "tool", form.selected, tool_users(db, form.selected, actor),
                             lambda n: delete_tool(db, n, actor), actor)


def _stdio_fields(form: Form) -> None:
    st.text_input("Command", **form.widget("m_command"), placeholder="mcp-server-time",
                  help="The program to start; it must be installed on the machine that runs the team.")
    form.error("m_command")
    st.text_area("Arguments, one a line", **form.widget("m_args"), height=90, placeholder="--local-timezone\nUTC")
    st.text_input("Environment variables to pass (names only)", **form.widget("m_env"), placeholder="GITHUB_TOKEN",
                  help="The server gets only these variables (and PATH, HOME and the like), read from the environment "
                  "Roundtable runs in. Separate names with spaces.")
    form.error("m_env")


def _url_fields(form: Form) -> None:
    st.text_input("URL", **form.widget("m_url"), placeholder="http://127.0.0.1:8000/mcp")
    form.error("m_url")
    st.text_area("Headers, one a line: Header: VARIABLE_NAME", **form.widget("m_headers"), height=70,
                 placeholder="Authorization: MY_SERVER_TOKEN",
                 help="Each header's value is read from the named environment variable when the server is reached.")
    form.error("m_headers")


def _tools(form: Form) -> None:
    st.button("Connect and list its tools", key="tools.mcp_list", icon=":material/travel_explore:",
              on_click=_list, args=(form,))
    problem = st.session_state.pop("tools.mcp_problem", None)
    if problem:
        st.error(problem, icon=":material/error:")
    tools = [McpToolEntry.model_validate(t) for t in form.get("m_tools") or []]
    if not tools:
        st.info("No tools listed yet: connect to see what the server offers.", icon=":material/info:")
        return
    st.markdown(f"**It offers {len(tools)} tool{'s' if len(tools) != 1 else ''}:**")
    for tool in tools:  # names, descriptions and schemas come from the server: shown as text
        with st.expander(safe_markdown(f"`{tool.name}`: {tool.description.splitlines()[0] if tool.description else ''}")):
            st.markdown(safe_markdown(tool.description or "(no description)"))
            st.markdown(safe_markdown(describe_parameters(tool.input_schema)))
            st.json(tool.input_schema, expanded=False)
    _try(form, tools)


def _list(form: Form) -> None:
    problem = logic.list_server_tools(form)
    if problem:
        st.session_state["tools.mcp_problem"] = problem


def _try(form: Form, tools: list[McpToolEntry]) -> None:
    with st.container(border=True):
        st.markdown("**Try a tool** with sample arguments (this starts the server for the call).")
        names = [t.name for t in tools]
        name = st.selectbox("Tool", names, key="tools.mcp_try_tool")
        schema = next((t.input_schema for t in tools if t.name == name), {})
        if st.session_state.get("tools.mcp_try_for") != name:
            st.session_state["tools.mcp_try_for"] = name
            st.session_state["tools.mcp_try_args"] = logic.example_arguments(schema)
        st.text_area("Arguments (JSON)", key="tools.mcp_try_args", height=110)
        if st.button("Try it", key="tools.mcp_try", icon=":material/play_arrow:"):
            with st.spinner(f"Calling {name}…"):
                ok, text = logic.try_tool(form, name or "", st.session_state.get("tools.mcp_try_args") or "{}")
            (st.success if ok else st.error)("The tool answered:" if ok else "The call failed:")
            st.code(text, language="text")
