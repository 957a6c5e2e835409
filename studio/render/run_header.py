"""The run header: status, elapsed time, rounds, tokens and cost (per agent and in total)."""

from __future__ import annotations

import time
from dataclasses import dataclass

import streamlit as st

from storage.runs import RunInfo
from studio.render.safe_markdown import safe_markdown

STATUS_BADGES = {
    "created": ("Starting", "gray", ":material/hourglass_empty:"),
    "running": ("Running", "blue", ":material/progress_activity:"),
    "waiting_for_input": ("Waiting for you", "orange", ":material/front_hand:"),
    "completed": ("Completed", "green", ":material/check_circle:"),
    "stopped": ("Stopped", "gray", ":material/stop_circle:"),
    "failed": ("Failed", "red", ":material/error:"),
    "interrupted": ("Interrupted", "orange", ":material/power_off:"),
}


def elapsed(run: RunInfo) -> float:
    if run.started_at is None:
        return 0.0
    return (run.finished_at or time.time()) - run.started_at


def format_duration(seconds: float) -> str:
    """``0.4 s`` and ``7.2 s`` (a short run is not "0 s"), ``42 s``, then ``m:ss``."""
    seconds = max(0.0, seconds)
    if seconds < 10:
        return f"{seconds:.1f} s"
    whole = int(seconds)
    return f"{whole // 60}:{whole % 60:02d}" if whole >= 60 else f"{whole} s"


@dataclass(frozen=True)
class UsageTotals:
    """A run's tokens and cost over all agents; cost is None as soon as one call's price is unknown."""

    prompt_tokens: int
    completion_tokens: int
    cost: float | None


def usage_totals(run: RunInfo) -> UsageTotals:
    costs = [u.cost for u in run.usage]
    return UsageTotals(
        prompt_tokens=sum(u.prompt_tokens for u in run.usage),
        completion_tokens=sum(u.completion_tokens for u in run.usage),
        cost=None if any(c is None for c in costs) else sum(c or 0.0 for c in costs),
    )


def format_cost(cost: float | None) -> str:
    if cost is None:
        return "unknown"
    return "$0" if cost == 0 else f"${cost:.4f}" if cost < 1 else f"${cost:.2f}"


def status_badge(status: str) -> str:
    label, color, icon = STATUS_BADGES.get(status, (status, "gray", ":material/help:"))
    return f":{color}-badge[{icon} {label}]"


def render_run_header(run: RunInfo, rounds: int) -> None:
    """Draw the header into the current container."""
    totals = usage_totals(run)
    st.markdown(safe_markdown(f"#### Run #{run.id} · {run.team}") + f" &nbsp; {status_badge(run.status)}")
    st.caption(safe_markdown(f"Task: {run.task[:300]}"))
    cols = st.columns(4)
    cols[0].metric("Elapsed", format_duration(elapsed(run)))
    cols[1].metric("Messages", rounds)
    cols[2].metric("Tokens (in / out)", f"{totals.prompt_tokens:,} / {totals.completion_tokens:,}")
    cols[3].metric(
        "Cost", format_cost(totals.cost),
        help="Unknown when litellm has no price for a model this run used (a local or self-hosted server, say)."
        if totals.cost is None else "Priced by litellm from each call's tokens.",
    )
    if run.error and run.status in ("stopped", "interrupted"):  # a failure is the transcript's last event
        st.warning(safe_markdown(run.error))
    if run.usage:
        with st.expander("Tokens and cost per agent"):
            rows = "".join(
                safe_markdown(f"| {u.agent} | {u.model} | {u.calls} | {u.prompt_tokens:,} | {u.completion_tokens:,} | "
                f"{format_cost(u.cost)} |\n")
                for u in run.usage
            )
            # a markdown table: this header is redrawn while a run is live, a dataframe costs far more
            st.markdown("| agent | model | calls | tokens in | tokens out | cost |\n|---|---|--:|--:|--:|--:|\n" + rows)
