"""The Tools page's "Try it" box: sample arguments, a Run button, and the answer or the reason there is none.

The tool runs in a child process (``studio.tool_trial``), never in the studio. It runs the code as
typed, saved or not. Viewers cannot try tools (they cannot start runs either), and neither can anyone
in a studio that runs no code on its host (``studio.exposure``).
"""

from __future__ import annotations

import json
from typing import Any

import streamlit as st

from storage.people import Actor
from studio.forms.tools import sample_arguments
from studio.formstate import Form
from studio.state import run_engine
from studio.tool_trial import TIMEOUT, parse_arguments, try_tool

KEY = "tools.try"


def refusal(actor: Actor) -> str | None:
    """Why this person may not try tools here, or None."""
    if not actor.may_run:
        return "Viewers cannot try tools, as they cannot start runs: ask an admin for the editor role."
    engine_refusal = run_engine().host_code_refusal
    return f"Trying a tool runs its code on this machine, but {engine_refusal}." if engine_refusal else None


def draw(form: Form, function: dict[str, Any], name: str, actor: Actor) -> None:
    parameters = function.get("parameters") or {}
    marker = json.dumps([name, parameters], sort_keys=True)
    if st.session_state.get(f"{KEY}.for") != marker:  # new parameters: new sample arguments
        st.session_state[f"{KEY}.for"] = marker
        st.session_state[f"{KEY}.args"] = sample_arguments(parameters)
        st.session_state.pop(f"{KEY}.result", None)
    why_not = refusal(actor)
    with st.container(border=True, key=f"{KEY}.box"):
        st.markdown(f"**Try it** with these arguments (JSON). The code runs in a separate process, without the "
                    f"studio's keys, in a temporary folder, for at most {TIMEOUT:g} seconds.")
        st.text_area("Arguments (JSON)", key=f"{KEY}.args", height=110, label_visibility="collapsed")
        source = form.get("source") or ""
        if st.button("Run", key=f"{KEY}.run", icon=":material/play_arrow:", disabled=why_not is not None,
                     help=why_not) and not refusal(actor):
            with st.spinner(f"Running {name}…"):
                st.session_state[f"{KEY}.result"] = _run(form, name) | {"for": marker, "source": source}
        if why_not:
            st.caption(why_not)
        result = st.session_state.get(f"{KEY}.result")
        if result is not None and result["for"] == marker and result["source"] == source:
            _show(result)  # until the code or its parameters change


def _run(form: Form, name: str) -> dict[str, Any]:
    """The trial of the code as it is in the editor, with the arguments typed."""
    arguments = parse_arguments(st.session_state.get(f"{KEY}.args") or "{}")
    if isinstance(arguments, str):
        return {"ok": False, "text": arguments, "output": ""}
    trial = try_tool(form.get("source") or "", name, (form.get("description") or "").strip(), arguments)
    return {"ok": trial.ok, "text": trial.text, "output": trial.output}


def _show(result: dict[str, Any]) -> None:
    if result["ok"]:
        st.success("The tool answered (this text is what the model would read):", icon=":material/check_circle:")
        st.code(result["text"] or "(an empty answer)", language="text", wrap_lines=True)
    else:
        st.error(result["text"], icon=":material/error:")
    if result["output"]:
        st.caption("It printed:")
        st.code(result["output"], language="text", wrap_lines=True)
