"""Tools: Python functions agents may call (write one, see the schema the model will get, try it, save it), and
MCP servers whose tools they may call (add one, list its tools, try one, save it)."""

from __future__ import annotations

import streamlit as st

from storage.designs import delete_tool, list_tools
from studio import mcp_editor, tool_try_box, ui
from studio.auth import current_actor
from studio.code_box import code_box
from studio.forms import mcp_servers
from studio.forms import tools as logic
from studio.formstate import NEW, Form, show_flash
from studio.references import tool_users
from studio.render.safe_markdown import safe_markdown
from studio.state import database
from studio.tool_check import check_tool, describe_parameters, tool_summary
from studio.tool_docstrings import summary

PAGE = "tools"

db = database()
actor = current_actor()
form = Form(PAGE)
ui.header(
    "Tools",
    "Python functions your agents can call, such as a calculator or a lookup, and MCP servers that offer "
    "tools. The model reads each tool's name, description and parameters to decide when and how to call it.",
)
show_flash(PAGE)
tools = {t.name: t for t in list_tools(db, actor)}

listing, editor = st.columns([1, 2.2], gap="large")
def _describe(name: str) -> str:
    tool = tools[name]
    if tool.kind == "mcp" and tool.server is not None:
        count = len(tool.server.tools)
        return safe_markdown(f"MCP server, {count} tool{'s' if count != 1 else ''}"
                             + (f": {tool.description}" if tool.description else ""))
    return safe_markdown(tool_summary(tool.source, tool.name, tool.description) or "(no description)")


with listing:
    ui.item_list(form, list(tools), _describe, "New tool")
    st.button("New MCP server", key=f"{PAGE}.new_mcp", icon=":material/hub:", width="stretch",
              on_click=form.select, args=(mcp_servers.NEW_SERVER,))

with editor:
    if form.selected == mcp_servers.NEW_SERVER or (form.selected in tools and tools[form.selected].kind == "mcp"):
        if form.needs_loading():
            form.load(mcp_servers.new_values() if form.selected == mcp_servers.NEW_SERVER
                      else mcp_servers.values_from_spec(tools[form.selected]))
        mcp_editor.draw(db, form)
        st.stop()
    if form.selected is None or (form.selected != NEW and form.selected not in tools):
        ui.nothing_selected(
            bool(tools), "No tools yet. Agents can work without tools; click **New tool** when an agent should call "
            "your own Python code, or **New MCP server** for the tools of an MCP server.", "Pick a tool on the left to edit it, or click **New tool**.",
        )
        st.stop()
    if form.needs_loading():
        form.load(logic.new_values() if form.selected == NEW else logic.values_from_spec(tools[form.selected]))

    st.subheader("New tool" if form.selected == NEW else form.selected)
    st.markdown("**Python code**", help="One function with type hints on every parameter and a docstring saying "
                "what it does (and, under Args:, what each parameter means). Imports are allowed. The tool's name is "
                "the function's name. Press Ctrl+Enter (or click outside) to check it.")
    code_box(form, "source")
    functions = [f for f in logic.functions_in(form.get("source") or "")]
    if len(functions) > 1:
        st.selectbox("Which function is the tool", functions, **form.widget("function"))
    st.text_input(
        "Description for the model (optional)", **form.widget("description"),
        placeholder="Leave empty to use the function's docstring",
    )
    check = check_tool(form.get("source") or "", logic.chosen_function(form), form.get("description") or "")
    form.error("source")
    if not check.ok and "source" not in form.errors:
        st.error(check.error, icon=":material/error:")
        if check.line:
            lines = (form.get("source") or "").splitlines()
            if 0 < check.line <= len(lines):
                st.code(f"{check.line}: {lines[check.line - 1]}", language="python")
    elif check.schema:
        with st.container(border=True):
            function = check.schema["function"]
            described = summary(function["description"])
            more = " (and the rest of the docstring)" if function["description"].strip() != described else ""
            st.markdown(f":green[:material/check_circle:] **The code checks out.** The model sees a tool called "
                        f"`{function['name']}`: " + safe_markdown(f"*{described}*{more}"))
            st.markdown(safe_markdown(describe_parameters(function["parameters"])))  # the docstring's text
            with st.expander("The exact JSON schema the model receives"):
                st.json(function, expanded=True)
        tool_try_box.draw(form, function, logic.chosen_function(form) or function["name"], actor)
    form.other_errors(["source"])

    save_col, delete_col = st.columns([1, 1])
    save_col.button(
        "Save tool", key=f"{PAGE}.save", type="primary", icon=":material/save:", on_click=logic.save, args=(db, form),
        width="stretch", disabled=not check.ok or not actor.may_run, help=ui.design_refusal(actor),
    )
    if form.selected != NEW:
        with delete_col:
            ui.delete_button(form, "tool", form.selected, tool_users(db, form.selected, actor),
                             lambda n: delete_tool(db, n, actor), actor)
