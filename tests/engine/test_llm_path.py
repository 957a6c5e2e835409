"""The LLM path (issue 16): calls to OpenAI-compatible models take litellm's sync path on the run's own
thread, over sockets a Stop shuts; other providers' calls are coroutines on the shared call loop, where
litellm's request setup runs inline. Nothing else changes (events, cost, Stop)."""

from __future__ import annotations

import asyncio
import threading
import time

import pytest

from components import RunCancelled
from components.llm import call_loop
from components.llm.client import LLMClient, _pure_setup, to_llm_messages
from components.llm.config import normalize_llm_config, settings_from_config
from components.llm.scripted import hang, say
from components.runtime import CancellationToken
from tests.support.connections import established_to


def _setup_thread(inline: bool) -> tuple[str, str]:
    """What litellm's acompletion does first (its setup through run_in_executor): which thread ran it."""

    async def like_acompletion() -> tuple[str, str]:
        loop = asyncio.get_running_loop()
        setup = await loop.run_in_executor(None, lambda: threading.current_thread().name)
        later = await loop.run_in_executor(None, lambda: threading.current_thread().name)  # e.g. a DNS lookup
        return setup, later

    return call_loop.call(like_acompletion, CancellationToken(), inline_setup=inline)


def test_only_the_first_setup_job_runs_on_the_loop() -> None:
    setup, later = _setup_thread(inline=True)
    assert setup == "roundtable-llm-calls" and later.startswith("roundtable-llm-setup")
    setup, _ = _setup_thread(inline=False)
    assert setup.startswith("roundtable-llm-setup")


def test_which_models_take_the_shortcut() -> None:
    assert _pure_setup("openai/gpt-4o-mini") and _pure_setup("gpt-4o-mini")
    assert not _pure_setup("vertex_ai/gemini-1.5-pro") and not _pure_setup("bedrock/anthropic.claude-3")


def test_a_setup_error_reaches_the_caller() -> None:
    async def failing() -> None:
        await asyncio.get_running_loop().run_in_executor(None, lambda: 1 / 0)

    with pytest.raises(ZeroDivisionError):
        call_loop.call(failing, CancellationToken(), inline_setup=True)


def test_calls_keep_usage_cost_and_stop(llm, recorder) -> None:
    client = LLMClient(settings_from_config(normalize_llm_config(llm.llm_config("gpt-4o-mini"))))
    llm.script("gpt-4o-mini", ["one", hang(30)])
    assert client.create([{"role": "user", "content": "hi"}], agent="a").message["content"] == "one"
    usage = recorder.of("usage")[-1]
    assert usage.prompt_tokens > 0 and usage.cost is not None and usage.cost > 0
    threading.Timer(0.5, recorder.cancellation.cancel).start()
    started = time.monotonic()
    with pytest.raises(RunCancelled):
        client.create([{"role": "user", "content": "again"}], agent="a")
    assert time.monotonic() - started < 5


def test_wire_messages_keep_their_meaning() -> None:
    stored = [
        {"role": "assistant", "content": None, "tool_calls": [{"id": "c1", "type": "function", "function": {"name": "f", "arguments": "{}"}}]},
        {"role": "tool", "content": "8", "tool_responses": [{"tool_call_id": "c1", "role": "tool", "content": 8}]},
        {"role": "user", "content": "hi", "name": "bad name!" + "x" * 80, "context": {"k": 1}},
        {"role": "function", "name": "add", "content": 15},
    ]
    wire = to_llm_messages(stored)
    assert wire[1] == {"role": "tool", "tool_call_id": "c1", "content": "8"}
    assert wire[2]["name"] == ("bad_name_" + "x" * 80)[:64] and "context" not in wire[2]
    assert wire[3] == {"role": "user", "content": "Result of add: 15"}


def test_openai_compatible_calls_stay_on_the_run_thread(llm, recorder, monkeypatch) -> None:
    def no_loop(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise AssertionError("the call went through the shared call loop")

    monkeypatch.setattr(call_loop, "_submit", no_loop)
    llm.script("gpt-4o-mini", ["plain answer", "streamed answer"])
    plain = LLMClient(settings_from_config(normalize_llm_config(llm.llm_config("gpt-4o-mini"))))
    streamed = LLMClient(settings_from_config(normalize_llm_config(llm.llm_config("gpt-4o-mini", stream=True))))
    assert plain.create([{"role": "user", "content": "hi"}], agent="a").message["content"] == "plain answer"
    assert streamed.create([{"role": "user", "content": "hi"}], agent="a").message["content"] == "streamed answer"
    assert [e.text for e in recorder.of("token")] == ["streamed ", "answer"]
    assert [(u.prompt_tokens > 0, u.cost is not None and u.cost > 0) for u in recorder.of("usage")] == [(True, True)] * 2


def test_a_stop_mid_stream_ends_the_call_and_closes_its_connection(llm, recorder) -> None:
    client = LLMClient(settings_from_config(normalize_llm_config(llm.llm_config("gpt-4o-mini", stream=True))))
    llm.script("gpt-4o-mini", [say("warm up"), say("one two three four five six", chunk_delay_s=3.0)])
    client.create([{"role": "user", "content": "hi"}], agent="a")
    open_at_stop: list[int] = []

    def stop_now() -> None:
        open_at_stop.append(established_to(llm.port))
        recorder.cancellation.cancel()

    stop = threading.Timer(0.5, stop_now)  # while the model is between two words
    stop.start()
    with pytest.raises(RunCancelled):
        client.create([{"role": "user", "content": "again"}], agent="a")
    stop.join()
    assert [e.text for e in recorder.of("token")][-1] == "one "  # it was reading when stopped
    assert recorder.of("error") == []  # a stop is no failure: nothing retried, nothing reported
    assert open_at_stop == [1]
    assert established_to(llm.port) == 0  # the call's connection was shut, not left to the provider
