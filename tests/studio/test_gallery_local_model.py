"""The gallery teams with the built-in local model: real SmolLM2 through the run path the studio uses.

The model is small and its words vary, so these tests assert on what happened (code ran without an
error, a PNG was made, the chat ended by itself), never on wording.
"""

from __future__ import annotations

import pytest

from components import CodeFinished, EventBus, MessageSent
from components.runtime import run_context
from studio.builder import build_team
from studio.gallery import gallery_team

pytestmark = pytest.mark.timeout(900)


def run(key: str, tmp_path):  # type: ignore[no-untyped-def]
    team = gallery_team(key)
    built = build_team(team.document, tmp_path)
    events: list = []
    bus = EventBus()
    bus.subscribe(events.append)
    try:
        with run_context(bus=bus):
            built.initiator.initiate_chat(built.recipient, message=team.example_task, **built.chat_kwargs)
    finally:
        built.close()
    return [e for e in events if isinstance(e, CodeFinished)], [e for e in events if isinstance(e, MessageSent)]


def test_coder_and_executor_print_the_squares(tmp_path):  # type: ignore[no-untyped-def]
    runs, messages = run("coder_executor", tmp_path)
    assert runs and runs[-1].exit_code == 0, [r.output for r in runs]
    # The coder stops once the code ran without an error: the last message is the executor's output.
    assert messages[-1].sender == "executor" and "exitcode: 0 (execution succeeded)" in messages[-1].content


def test_plot_maker_saves_a_png(tmp_path):  # type: ignore[no-untyped-def]
    runs, _ = run("plot_maker", tmp_path)
    pngs = [a for r in runs for a in r.artifacts if a.path.endswith(".png")]
    assert pngs and pngs[0].mime == "image/png", [r.output for r in runs]
