"""The built-in offline models (``local/qwen2.5-coder-0.5b``, ``local/smollm2``, ...) run in-process by llama.cpp.

They reach the engine through litellm like any provider: ``register()`` adds a ``litellm.CustomLLM`` for
the ``local/`` prefix. Which file answers for a name (checked weights, or the fallback) is
``local_choice.resolve``; the catalog is ``local_catalog``. One ``Llama`` per process, loaded on first use
and replaced when a call names a model whose file differs; every call holds ``_lock`` because ``Llama`` is
not thread-safe, so concurrent runs take turns.

Neither litellm nor llama_cpp is imported at module import time (both take seconds).
"""

from __future__ import annotations

import asyncio
import atexit
import os
import threading
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from typing import Any

from components.llm.local_catalog import BUILTIN_MODELS, DEFAULT_LOCAL_MODEL, LIGHT_MODEL, PROVIDER
from components.llm.local_choice import (
    LLAMA_INSTALL,
    MODEL_PATH_ENV,
    NOT_INSTALLED,
    LocalModelNotInstalled,
    UnknownLocalModel,
    resolve,
    status,
)

__all__ = [
    "DEFAULT_LOCAL_MODEL", "LIGHT_MODEL", "MODEL_PATH_ENV", "NOT_INSTALLED", "THREADS_ENV", "LocalModelNotInstalled",
    "local_model_status", "locked_model", "n_threads", "register",
]

N_CTX = 4096  # room for a short multi-agent conversation (SmolLM2 was trained on 8192, Qwen2.5 on 32768)
THREADS_ENV = "ROUNDTABLE_LOCAL_THREADS"
# Every core, for prompts and for generation: on an idle 2-core machine two threads solved the demo tasks a
# third faster than one (first token 0.51 s against 0.65 s); on a busy one, with OMP_WAIT_POLICY=PASSIVE,
# they were as fast as one (docs/performance.md). The cap of 4 is a guess: only 2-core machines were measured.
N_THREADS = max(1, min(4, os.cpu_count() or 2))
# llama.cpp's OpenMP threads spin while they wait for each other; when other processes share the cores,
# spinning made generation 5-15x slower here. The first load sets it unless the environment already does.
OMP_WAIT_POLICY = "PASSIVE"
DEFAULT_MAX_TOKENS = 512
DEFAULT_TEMPERATURE = 0.2  # small models ramble at OpenAI's default of 1.0

_lock = threading.Lock()  # guards _model and every call into it
_register_lock = threading.Lock()
_model: Any = None
_model_path = ""
_close_at_exit = False


def local_model_status(name: str = DEFAULT_LOCAL_MODEL) -> tuple[bool, str]:
    """Whether ``name`` can run (maybe through its fallback), checked without loading it, and a message."""
    return status(name)


def register() -> None:
    """Make litellm route ``local/...`` models to this module. Idempotent and thread-safe."""
    from components.llm.litellm_loader import get_litellm

    litellm = get_litellm()
    with _register_lock:
        if any(item["provider"] == PROVIDER for item in litellm.custom_provider_map):
            return
        litellm.register_model(
            {
                name: {
                    "litellm_provider": PROVIDER,
                    "mode": "chat",
                    "max_input_tokens": N_CTX,
                    "max_output_tokens": N_CTX,
                    "input_cost_per_token": 0.0,
                    "output_cost_per_token": 0.0,
                    "cache_creation_input_token_cost": 0.0,
                    "cache_read_input_token_cost": 0.0,
                }
                for name in BUILTIN_MODELS
            }
        )
        handler = {"provider": PROVIDER, "custom_handler": _make_handler(litellm)}
        litellm.custom_provider_map = [*litellm.custom_provider_map, handler]


def model_file(name: str = DEFAULT_LOCAL_MODEL) -> str:
    """The GGUF file that answers for ``name``; raises ``LocalModelNotInstalled`` saying what is missing."""
    return resolve(name).path


@contextmanager
def locked_model(name: str = DEFAULT_LOCAL_MODEL) -> Iterator[Any]:
    """The process's ``llama_cpp.Llama`` for ``name``, loaded on first use, for the caller alone until the block ends."""
    with _lock:
        yield _loaded_model(name)


def _loaded_model(name: str) -> Any:
    """The process's ``Llama``, loaded on first use (or when the file for ``name`` differs). Hold ``_lock``."""
    global _model, _model_path, _close_at_exit
    path = model_file(name)
    if _model is not None and path == _model_path:
        return _model
    threads = n_threads()
    os.environ.setdefault("OMP_WAIT_POLICY", OMP_WAIT_POLICY)  # read once, when llama.cpp loads
    try:
        import llama_cpp
    except (ImportError, OSError) as exc:  # OSError: the compiled library is missing or fails to load
        raise LocalModelNotInstalled(f"llama-cpp-python cannot be imported ({exc}); run: {LLAMA_INSTALL}") from exc
    if _model is not None:
        _model.close()
        _model = None
    try:
        _model = llama_cpp.Llama(
            model_path=path, n_ctx=N_CTX, n_threads=threads, n_threads_batch=threads, verbose=False
        )
    except ValueError as exc:  # llama-cpp-python's way of saying the file is not a usable GGUF
        raise LocalModelNotInstalled(f"cannot load the model file {path!r}: {exc}") from exc
    _model_path = path
    if not _close_at_exit:
        atexit.register(_close_model)
        _close_at_exit = True
    return _model


def n_threads() -> int:
    """The threads llama.cpp uses, for prompts and for generation: ``ROUNDTABLE_LOCAL_THREADS`` or the default."""
    value = os.environ.get(THREADS_ENV, "").strip()
    if not value:
        return N_THREADS
    if not value.isdecimal() or int(value) < 1:  # isdigit would let "²" through to int()
        raise ValueError(f"{THREADS_ENV} must be a whole number of threads, 1 or more (it is {value!r})")
    return int(value)


def _close_model() -> None:
    global _model
    if not _lock.acquire(timeout=1):  # a daemon thread is still generating: let the process end as is
        return
    try:
        if _model is not None:
            _model.close()
            _model = None
    finally:
        _lock.release()


class _TokenCounter:
    """A logits processor that only counts tokens: llama-cpp-python reports no usage when streaming.

    It runs once per sampled token (the end-of-turn token included) and first sees the whole prompt.
    llama-cpp-python calls it from a C callback that swallows exceptions: keep it trivial.
    """

    def __init__(self) -> None:
        self.prompt_tokens = 0
        self.completion_tokens = 0

    def __call__(self, input_ids: Any, scores: Any) -> Any:
        if self.completion_tokens == 0:
            self.prompt_tokens = len(input_ids)
        self.completion_tokens += 1
        return scores


def _text(content: Any) -> str:
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    return "".join(part.get("text", "") for part in content if isinstance(part, dict))


def _chat_messages(messages: list[dict[str, Any]]) -> list[dict[str, str]]:
    """The models' chat templates join role and content as plain strings: flatten content parts."""
    return [{"role": message["role"], "content": _text(message.get("content"))} for message in messages]


def _generation_args(params: dict[str, Any]) -> dict[str, Any]:
    """llama-cpp arguments from litellm's optional params. Tools are passed on only when a tool_choice
    names one: llama.cpp then constrains the output to its JSON schema; the model cannot choose tools itself."""
    max_tokens = params.get("max_tokens") or params.get("max_completion_tokens") or DEFAULT_MAX_TOKENS
    temperature = params.get("temperature")
    args: dict[str, Any] = {
        "max_tokens": max_tokens,
        "temperature": DEFAULT_TEMPERATURE if temperature is None else temperature,
    }
    for name in ("top_p", "stop", "seed"):
        if params.get(name) is not None:
            args[name] = params[name]
    if isinstance(params.get("tool_choice"), dict) and params.get("tools"):
        args["tools"] = params["tools"]
        args["tool_choice"] = params["tool_choice"]
    return args


def _chunk(text: str = "", tool_use: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "text": text,
        "tool_use": tool_use,
        "is_finished": False,
        "finish_reason": "",
        "usage": None,
        "index": 0,
    }


def _generate(name: str, messages: list[dict[str, Any]], params: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Stream litellm ``GenericStreamingChunk`` dicts, one per token; the last one carries the usage.

    The model stays locked until the stream is exhausted or closed: consume or close every stream.
    """
    counter = _TokenCounter()
    finish_reason = "stop"
    tool_started = False
    with locked_model(name) as model:
        chunks = model.create_chat_completion(
            messages=_chat_messages(messages),
            stream=True,
            logits_processor=[counter],
            **_generation_args(params),
        )
        for chunk in chunks:
            choice = chunk["choices"][0]
            finish_reason = choice.get("finish_reason") or finish_reason
            delta = choice["delta"]
            if delta.get("content"):
                yield _chunk(text=delta["content"])
            for call in delta.get("tool_calls") or []:
                function = call["function"]
                yield _chunk(
                    tool_use={
                        "id": None if tool_started else call["id"],
                        "type": "function",
                        "function": {
                            "name": None if tool_started else function["name"],
                            "arguments": function["arguments"],
                        },
                        "index": 0,
                    }
                )
                tool_started = True
    usage = {
        "prompt_tokens": counter.prompt_tokens,
        "completion_tokens": counter.completion_tokens,
        "total_tokens": counter.prompt_tokens + counter.completion_tokens,
    }
    yield {**_chunk(), "is_finished": True, "finish_reason": finish_reason, "usage": usage}


def _make_handler(litellm: Any) -> Any:
    """The litellm provider object; defined here because its base class lives in the lazily imported litellm."""
    from litellm.llms.custom_llm import CustomLLMError

    def litellm_errors(name: str, chunks: Iterator[dict[str, Any]]) -> Iterator[dict[str, Any]]:
        """Raise errors litellm turns into its typed exceptions, keeping our message: it maps a
        ``CustomLLMError`` by status only (404 -> NotFoundError), and passes its own exceptions through."""
        try:
            yield from chunks
        except (LocalModelNotInstalled, UnknownLocalModel) as exc:
            raise CustomLLMError(status_code=404, message=str(exc)) from exc
        except ValueError as exc:  # llama-cpp-python's bad-request errors
            if "exceed context window" in str(exc):
                raise litellm.ContextWindowExceededError(
                    message=f"the conversation exceeds the context size of {name} ({exc})",
                    model=name,
                    llm_provider=PROVIDER,
                ) from exc
            raise CustomLLMError(status_code=400, message=str(exc)) from exc

    def stream(
        model: str, messages: list[dict[str, Any]], optional_params: dict[str, Any]
    ) -> Iterator[dict[str, Any]]:
        name = f"{PROVIDER}/{model}"
        if name not in BUILTIN_MODELS:
            raise CustomLLMError(status_code=404, message=str(UnknownLocalModel(name)))
        chunks = litellm_errors(name, _generate(name, messages, optional_params))
        # Load the model and start now, so that install errors come out of litellm.completion() itself.
        first = next(chunks)
        return _prepend(first, chunks)

    class LocalModelHandler(litellm.CustomLLM):
        def streaming(self, *args: Any, **kwargs: Any) -> Iterator[dict[str, Any]]:
            return stream(kwargs["model"], kwargs["messages"], kwargs["optional_params"])

        def completion(self, *args: Any, **kwargs: Any) -> Any:
            response = _assemble(kwargs["model_response"], self.streaming(*args, **kwargs), litellm)
            response.model = kwargs["model"]  # as litellm names streamed chunks: without the provider prefix
            return response

        async def acompletion(self, *args: Any, **kwargs: Any) -> Any:
            return await asyncio.to_thread(self.completion, *args, **kwargs)

        async def astreaming(self, *args: Any, **kwargs: Any) -> AsyncIterator[dict[str, Any]]:
            chunks = await asyncio.to_thread(self.streaming, *args, **kwargs)
            while (chunk := await asyncio.to_thread(next, chunks, None)) is not None:
                yield chunk

    return LocalModelHandler()


def _prepend(first: dict[str, Any], rest: Iterator[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    yield first
    yield from rest


def _assemble(response: Any, chunks: Iterator[dict[str, Any]], litellm: Any) -> Any:
    """Fill litellm's ``ModelResponse`` from the stream, so both shapes carry the same text and usage."""
    text: list[str] = []
    tool_call: dict[str, Any] | None = None
    for chunk in chunks:
        text.append(chunk["text"])
        if chunk["tool_use"] is not None:
            if tool_call is None:
                tool_call = {**chunk["tool_use"], "function": dict(chunk["tool_use"]["function"])}
            else:
                tool_call["function"]["arguments"] += chunk["tool_use"]["function"]["arguments"]
        if chunk["is_finished"]:
            choice = response.choices[0]
            choice.finish_reason = chunk["finish_reason"]
            choice.message.content = "".join(text) if tool_call is None else None
            if tool_call is not None:
                tool_call.pop("index")
                choice.message.tool_calls = [litellm.ChatCompletionMessageToolCall(**tool_call)]
            response.usage = litellm.Usage(**chunk["usage"])
    return response
