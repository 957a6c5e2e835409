"""The built-in model through litellm's real path: real llama.cpp, real SmolLM2, no fakes.

These tests are about the path, not the weights, so they use the light model (fast); the default model's
own end-to-end test is test_default_model.py. The model is small and its words vary with the prompt cache,
so tests assert on structure, not wording.
"""

from __future__ import annotations

import asyncio
import json
import re
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from components.llm import local_model
from components.llm.litellm_loader import get_litellm
from components.llm.local_catalog import BUILTIN_MODELS
from components.llm.local_model import (
    LIGHT_MODEL,
    MODEL_PATH_ENV,
    NOT_INSTALLED,
    THREADS_ENV,
    local_model_status,
    register,
)

LOCAL_MODEL = LIGHT_MODEL
HELLO = [{"role": "user", "content": "Name three colours."}]
CODE_PROMPT = (
    "Write Python code that prints the first 10 square numbers. Reply with one ```python code block."
)
FENCED_BLOCK = re.compile(r"```[a-z]*\n.+?```", re.DOTALL)
ADD_TOOL = {
    "type": "function",
    "function": {
        "name": "add",
        "description": "Add two integers.",
        "parameters": {
            "type": "object",
            "properties": {"a": {"type": "integer"}, "b": {"type": "integer"}},
            "required": ["a", "b"],
        },
    },
}


@pytest.fixture(scope="module")
def litellm() -> Any:
    register()
    return get_litellm()


def streamed(litellm: Any, **kwargs: Any) -> tuple[list[str], Any]:
    """The text deltas of a streamed call, and the response litellm assembles from its chunks."""
    chunks = list(litellm.completion(model=LOCAL_MODEL, stream=True, **kwargs))
    deltas = [
        chunk.choices[0].delta.content for chunk in chunks if chunk.choices and chunk.choices[0].delta.content
    ]
    return deltas, litellm.stream_chunk_builder(chunks, messages=kwargs["messages"])


def assert_usage(response: Any) -> None:
    usage = response.usage
    assert usage.prompt_tokens > 0
    assert usage.completion_tokens > 0
    assert usage.total_tokens == usage.prompt_tokens + usage.completion_tokens


def test_status_is_ready_without_loading_the_model() -> None:
    light = BUILTIN_MODELS[LOCAL_MODEL]
    assert local_model_status(LOCAL_MODEL) == (True, f"{light.label}: {light.summary}")


def test_an_unknown_local_model_is_named_with_the_known_ones(litellm: Any) -> None:
    assert local_model_status("local/nope") == (False, f"unknown local model 'local/nope'; the built-in ones are "
                                                       f"{', '.join(BUILTIN_MODELS)}")
    with pytest.raises(litellm.NotFoundError, match="unknown local model 'local/nope'; the built-in ones are"):
        litellm.completion(model="local/nope", messages=HELLO, max_tokens=8)


def test_register_is_idempotent(litellm: Any) -> None:
    register()
    register()
    assert [item["provider"] for item in litellm.custom_provider_map].count("local") == 1


def test_plain_call_returns_text_and_usage(litellm: Any) -> None:
    response = litellm.completion(model=LOCAL_MODEL, messages=HELLO, max_tokens=24)
    assert response.choices[0].message.content.strip()
    assert response.choices[0].finish_reason in ("stop", "length")
    assert_usage(response)
    assert litellm.completion_cost(completion_response=response) == 0.0


def test_streamed_call_arrives_token_by_token(litellm: Any) -> None:
    deltas, response = streamed(litellm, messages=HELLO, max_tokens=24)
    assert len(deltas) > 1
    assert response.choices[0].message.content == "".join(deltas)
    assert "".join(deltas).strip()
    assert_usage(response)
    assert response.usage.completion_tokens >= len(deltas)


def test_asking_for_code_yields_a_fenced_block(litellm: Any) -> None:
    messages = [{"role": "user", "content": CODE_PROMPT}]
    response = litellm.completion(model=LOCAL_MODEL, messages=messages, temperature=0, max_tokens=256)
    assert FENCED_BLOCK.search(response.choices[0].message.content)


def test_concurrent_calls_take_turns_on_one_model(litellm: Any) -> None:
    """Both succeed, and their streams do not interleave: ``Llama`` is not thread-safe."""
    litellm.completion(model=LOCAL_MODEL, messages=HELLO, max_tokens=1)  # both threads must share one model
    barrier = threading.Barrier(2)

    def stream() -> tuple[str, float, float]:
        barrier.wait()
        times, texts = [], []
        for chunk in litellm.completion(model=LOCAL_MODEL, messages=HELLO, max_tokens=24, stream=True):
            if chunk.choices and chunk.choices[0].delta.content:
                times.append(time.perf_counter())
                texts.append(chunk.choices[0].delta.content)
        return "".join(texts), times[0], times[-1]

    with ThreadPoolExecutor(max_workers=2) as pool:
        first, second = sorted(
            (future.result(timeout=240) for future in [pool.submit(stream), pool.submit(stream)]),
            key=lambda result: result[1],
        )
    assert first[0].strip() and second[0].strip()
    assert first[2] < second[1]


def test_async_calls_work(litellm: Any) -> None:
    async def both() -> tuple[Any, list[Any]]:
        response = await litellm.acompletion(model=LOCAL_MODEL, messages=HELLO, max_tokens=16)
        chunks = [
            chunk
            async for chunk in await litellm.acompletion(
                model=LOCAL_MODEL, messages=HELLO, max_tokens=16, stream=True
            )
        ]
        return response, chunks

    response, chunks = asyncio.run(both())
    assert response.choices[0].message.content.strip()
    assert sum(1 for chunk in chunks if chunk.choices and chunk.choices[0].delta.content) > 1


def test_forced_tool_choice_returns_a_tool_call(litellm: Any) -> None:
    response = litellm.completion(
        model=LOCAL_MODEL,
        messages=[{"role": "user", "content": "Add 2 and 3."}],
        tools=[ADD_TOOL],
        tool_choice={"type": "function", "function": {"name": "add"}},
    )
    [call] = response.choices[0].message.tool_calls
    assert call.function.name == "add"
    assert set(json.loads(call.function.arguments)) == {"a", "b"}
    assert response.choices[0].finish_reason == "tool_calls"


def test_unforced_tools_are_ignored(litellm: Any) -> None:
    response = litellm.completion(
        model=LOCAL_MODEL,
        messages=[{"role": "user", "content": "Add 2 and 3."}],
        tools=[ADD_TOOL],
        max_tokens=24,
    )
    assert response.choices[0].message.content.strip()
    assert not response.choices[0].message.tool_calls


@pytest.mark.parametrize("stream", [False, True])
def test_wrong_model_path_says_not_installed(
    litellm: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Any, stream: bool
) -> None:
    monkeypatch.setenv(MODEL_PATH_ENV, str(tmp_path / "missing.gguf"))
    ok, message = local_model_status(LOCAL_MODEL)
    assert not ok
    assert message.startswith(f"{NOT_INSTALLED}: ")
    assert MODEL_PATH_ENV in message
    with pytest.raises(litellm.NotFoundError) as raised:
        list(litellm.completion(model=LOCAL_MODEL, messages=HELLO, max_tokens=8, stream=stream))
    assert message in str(raised.value)


def test_unloadable_model_file_says_not_installed(
    litellm: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    junk = tmp_path / "junk.gguf"
    junk.write_text("not a model")
    monkeypatch.setenv(MODEL_PATH_ENV, str(junk))
    with pytest.raises(litellm.NotFoundError, match=f"{NOT_INSTALLED}: cannot load the model file"):
        litellm.completion(model=LOCAL_MODEL, messages=HELLO, max_tokens=8)


def same_weights_elsewhere(monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> None:
    """Point the built-in models at a link to the light model's file: another path, so it is loaded again."""
    link = tmp_path / "same-weights.gguf"
    link.symlink_to(local_model.model_file(LOCAL_MODEL))
    monkeypatch.setenv(MODEL_PATH_ENV, str(link))


def test_the_thread_setting_is_used_for_prompts_and_generation(
    litellm: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    same_weights_elsewhere(monkeypatch, tmp_path)
    monkeypatch.setenv(THREADS_ENV, "1")
    response = litellm.completion(model=LOCAL_MODEL, messages=HELLO, max_tokens=8)
    assert response.choices[0].message.content
    with local_model.locked_model(LOCAL_MODEL) as llama:
        assert (llama.n_threads, llama.n_threads_batch) == (1, 1)


def test_a_thread_setting_that_is_not_a_number_is_named_in_the_error(
    litellm: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    same_weights_elsewhere(monkeypatch, tmp_path)
    monkeypatch.setenv(THREADS_ENV, "two")
    with pytest.raises(litellm.BadRequestError, match=f"{THREADS_ENV} must be a whole number of threads"):
        litellm.completion(model=LOCAL_MODEL, messages=HELLO, max_tokens=8)


def test_too_long_a_conversation_is_a_context_window_error(litellm: Any) -> None:
    messages = [{"role": "user", "content": "word " * (local_model.N_CTX + 100)}]
    with pytest.raises(litellm.ContextWindowExceededError, match=f"context size of {LOCAL_MODEL}"):
        litellm.completion(model=LOCAL_MODEL, messages=messages, max_tokens=8)
