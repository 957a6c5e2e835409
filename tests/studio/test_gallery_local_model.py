"""The gallery teams with a built-in local model: real SmolLM2 (the light one, for speed) through the run
path the studio uses; the default model's own end-to-end test is tests/llm/test_default_model.py. And the
teams' termination rules against a scripted model that says TERMINATE before writing any code.

The model is small and its words vary, so these tests assert on what happened (code ran without an
error, a PNG was made, the chat ended by itself), never on wording.
"""

from __future__ import annotations

import pytest

from components import ChatFinished, CodeFinished, EventBus, MessageSent
from components.llm.local_catalog import LIGHT_MODEL
from components.llm.scripted import ScriptedLLMServer
from components.runtime import run_context
from storage.documents import ModelSpec
from studio.builder import build_team
from studio.defaults import builtin_model
from studio.gallery import customise, gallery_team

pytestmark = pytest.mark.timeout(900)


def run(key: str, tmp_path, model: ModelSpec | None = None):  # type: ignore[no-untyped-def]
    team = gallery_team(key)
    model = model or builtin_model().model_copy(update={"model": LIGHT_MODEL})
    built = build_team(customise(team.document, model), tmp_path)
    events: list = []
    bus = EventBus()
    bus.subscribe(events.append)
    try:
        with run_context(bus=bus):
            built.initiator.initiate_chat(built.recipient, message=team.example_task, **built.chat_kwargs)
    finally:
        built.close()
    return [e for e in events if isinstance(e, CodeFinished)], [e for e in events if isinstance(e, (MessageSent, ChatFinished))]


def test_coder_and_executor_print_the_squares(tmp_path):  # type: ignore[no-untyped-def]
    runs, events = run("coder_executor", tmp_path)
    messages = [e for e in events if isinstance(e, MessageSent)]
    assert runs and runs[-1].exit_code == 0, [r.output for r in runs]
    # The coder stops once the code ran without an error: the last message is the executor's output.
    assert messages[-1].sender == "executor" and "exitcode: 0 (execution succeeded)" in messages[-1].content


def test_plot_maker_saves_a_png(tmp_path):  # type: ignore[no-untyped-def]
    runs, _ = run("plot_maker", tmp_path)
    pngs = [a for r in runs for a in r.artifacts if a.path.endswith(".png")]
    assert pngs and pngs[0].mime == "image/png", [r.output for r in runs]


@pytest.mark.parametrize("key", ["coder_executor", "plot_maker"])
def test_a_bare_terminate_before_any_code_does_not_end_the_run(key: str, tmp_path, llm: ScriptedLLMServer):  # type: ignore[no-untyped-def]
    """Small models often answer a task with a bare TERMINATE: the executor asks for the code instead of
    ending the chat with no answer, and the chat ends once the code has run."""
    llm.script("coder", ["TERMINATE", "```python\nprint(sum(range(5)))\n```"])
    scripted = ModelSpec(name="Scripted", model="openai/coder", api_base=llm.url, extra={"max_retries": 0})
    runs, events = run(key, tmp_path, scripted)
    messages = [e for e in events if isinstance(e, MessageSent)]
    assert [r.output.strip() for r in runs] == ["10"] and runs[0].exit_code == 0
    assert "Please write the Python code" in str(messages[2].content)  # the executor's answer to TERMINATE
    assert messages[-1].sender == "executor" and "exitcode: 0 (execution succeeded)" in str(messages[-1].content)
    assert llm.remaining("coder") == 0
