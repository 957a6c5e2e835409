"""What the Playground shows while an agent waits for the person: the question, and buttons that say what
they do. A pending tool call is approved, denied or answered in words, and none of them happens unannounced."""

from __future__ import annotations

import json
from collections.abc import Callable

import streamlit as st

from components.runtime import InputRequest
from studio.render.safe_markdown import safe_markdown

DENIAL = "I did not approve running {names}. Do not run it; carry on without it."


def answer_placeholder(request: InputRequest) -> str:
    """The answer box's hint: with a tool call pending, it says that words replace the tool."""
    if request.tool_calls:
        return f"Answer in words instead: {_names(request)} will not run…"
    return f"Answer {request.agent}…"


def answer_panel(request: InputRequest, send: Callable[[str], None]) -> None:
    """The "Your turn" card under the conversation; ``send`` gives the run an answer ("" skips, "exit" ends)."""
    with st.container(border=True):
        if request.tool_calls:
            _tool_approval(request, send)
        else:
            _question(request, send)


def _tool_approval(request: InputRequest, send: Callable[[str], None]) -> None:
    who = request.sender or "The assistant"
    plural = len(request.tool_calls) > 1
    st.markdown(safe_markdown(
        f":orange-badge[:material/front_hand: Your turn] **{who}** wants to run "
        f"{'these tools' if plural else 'a tool'}. Nothing runs until you decide."
    ))
    for name, arguments in request.tool_calls:
        st.code(f"{name}({_pretty(arguments)})", language="python", wrap_lines=True)
    approve, deny, end = st.columns(3)
    can_run = request.on_skip == "auto_reply"
    if approve.button("Approve", type="primary", icon=":material/check_circle:", key="answer.approve",
                      disabled=not can_run, width="stretch",
                      help=f"{request.agent} runs {_names(request)} and gives the result back."):
        send("")
    if deny.button("Deny", icon=":material/block:", key="answer.deny", width="stretch",
                   help=f"{_names(request)} does not run; {who} is told you did not approve it."):
        send(DENIAL.format(names=_names(request)))
    if end.button("End the conversation", icon=":material/logout:", key="answer.exit", width="stretch",
                  help="Nothing more runs; the conversation so far is kept."):
        send("exit")
    if not can_run:
        st.caption(safe_markdown(f"{request.agent} has no function for {_names(request)}, so it cannot run it: "
                                 "deny it, answer in words, or end the conversation."))
    st.caption(safe_markdown(f"Or type an answer in the box at the bottom of the page: the tool does not run, "
                             f"and your words go to {who} instead."))


def _question(request: InputRequest, send: Callable[[str], None]) -> None:
    st.markdown(safe_markdown(
        f":orange-badge[:material/front_hand: Your turn] **{request.agent}** is waiting for your answer."
    ))
    if not request.standard_prompt and request.prompt.strip():
        st.markdown(safe_markdown(f"> {request.prompt.strip()}"))
    st.caption("Type it in the box at the bottom of the page, or:")
    left, right, _ = st.columns([2, 2, 3])
    if request.on_skip == "auto_reply" and left.button(
        "Let it answer automatically", icon=":material/fast_forward:", key="answer.skip", width="stretch",
        help=f"{request.agent} writes its own reply (with its model, its code execution or its tools).",
    ):
        send("")
    if right.button("End the conversation", icon=":material/logout:", key="answer.exit", width="stretch",
                    help="Nothing more runs; the conversation so far is kept."):
        send("exit")
    if request.on_skip == "empty":
        st.caption(safe_markdown(f"{request.agent} has nothing of its own to answer with, so it needs your words."))


def _names(request: InputRequest) -> str:
    names = list(dict.fromkeys(name for name, _ in request.tool_calls))
    return ", ".join(names) if len(names) < 4 else f"{', '.join(names[:3])} and {len(names) - 3} more"


def _pretty(arguments: str) -> str:
    """Keyword arguments as the model wrote them (``city="Seoul"``), or the raw text if it is not a JSON object."""
    try:
        parsed = json.loads(arguments or "{}")
    except ValueError:
        return arguments
    if not isinstance(parsed, dict):
        return arguments
    return ", ".join(f"{key}={json.dumps(value, ensure_ascii=False)}" for key, value in parsed.items())
