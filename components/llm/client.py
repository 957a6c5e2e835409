"""Calling a model through litellm: retries, fallback over config_list entries, streaming, usage, cost.

Every litellm quirk stays in this module (and ``litellm_loader``). A call to an OpenAI-compatible model
with an explicit key goes through litellm's sync path on the run's own thread, over sockets a Stop can
shut (``sync_calls``); a call to any other provider is a coroutine on the shared call loop
(``call_loop``). Either way a stop request ends it at once, even while the provider is still thinking,
and closes its connection; the built-in local model runs in a helper thread.
"""

from __future__ import annotations

import contextvars
import logging
import os
import re
from collections.abc import Callable, Iterator
from concurrent.futures import CancelledError, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from functools import partial
from typing import Any

from components import runtime
from components.errors import LLMError, RunCancelled
from components.events import ErrorRaised, TokenDelta, Usage, new_id
from components.llm import call_loop, sync_calls
from components.llm.config import LLMSettings, ModelEntry
from components.llm.errors import to_llm_error
from components.llm.litellm_loader import wait_for_litellm

# Failures another config_list entry (another provider, key or model) could fix.
_FALLBACK_KINDS = {
    "authentication", "rate_limit", "timeout", "connection", "not_found", "server", "context_window",
    "not_installed",
}
_NAME_RE = re.compile(r"[^a-zA-Z0-9_-]")
_NAME_OK = re.compile(r"[a-zA-Z0-9_-]*\Z")
_WIRE_KEYS = ("role", "content", "name", "tool_calls", "tool_call_id", "function_call")

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class LLMResponse:
    message: dict[str, Any]
    model: str
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost: float | None = None


def to_llm_messages(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """AutoGen's stored messages -> chat-completions messages.

    Tool responses are stored inside one ``role: tool`` message; the API wants one message per call.
    Names are normalised to the characters providers accept.
    """
    out: list[dict[str, Any]] = []
    append = out.append
    for message in messages:  # runs before every model call: kept to plain dict work (see docs/performance.md)
        responses = message.get("tool_responses")
        if responses:
            for response in responses:
                append({"role": "tool", "tool_call_id": response.get("tool_call_id"), "content": _text(response.get("content", ""))})
            if message.get("role") == "tool":
                continue
        clean = {k: message[k] for k in _WIRE_KEYS if k in message}
        content = clean.get("content")
        if content is not None and content.__class__ is not str:
            clean["content"] = _text(content)  # a function's raw result (AutoGen stores 15, not "15")
        name = clean.get("name")
        if name and (len(name) > 64 or not _NAME_OK.match(name)):
            clean["name"] = _NAME_RE.sub("_", name)[:64]
        if clean.get("role") == "function":  # legacy function results: send as user-visible text
            clean = {"role": "user", "content": f"Result of {message.get('name', 'function')}: {clean.get('content', '')}"}
        append(clean)
    return out


def _text(content: Any) -> Any:
    """Content as providers accept it: text or parts; any other value (a raw function result) as text."""
    return content if content is None or isinstance(content, (str, list)) else str(content)


class LLMClient:
    def __init__(self, settings: LLMSettings) -> None:
        self.settings = settings

    @property
    def model(self) -> str:
        return self.settings.entries[0].model

    def create(
        self,
        messages: list[dict[str, Any]],
        *,
        agent: str,
        tools: list[dict[str, Any]] | None = None,
        purpose: str = "reply",
        stream: bool | None = None,
    ) -> LLMResponse:
        """Ask the model; retry retryable failures with backoff, then fall back to the next entry.

        Publishes token deltas (when streaming), usage and error events. Raises ``LLMError`` with a
        message that names the model and what to do, or ``RunCancelled`` when the run is stopped.
        """
        token = runtime.current().cancellation
        tools = tools if tools is not None else self.settings.tools
        use_stream = self.settings.stream if stream is None else stream
        last_error: LLMError | None = None
        entries = self.settings.entries
        for index, entry in enumerate(entries):
            for attempt in range(self.settings.max_retries + 1):
                token.raise_if_cancelled()
                try:
                    response = self._attempt(entry, messages, tools, use_stream, agent)
                except (RunCancelled, KeyboardInterrupt):
                    raise
                except Exception as exc:  # noqa: BLE001 - every provider failure becomes an LLMError
                    last_error = exc if isinstance(exc, LLMError) else to_llm_error(exc, entry)
                    retry_here = last_error.retryable and attempt < self.settings.max_retries
                    try_next = index + 1 < len(entries) and last_error.kind in _FALLBACK_KINDS
                    runtime.emit(ErrorRaised(
                        agent=agent, error_kind=last_error.kind, message=str(last_error),
                        retryable=retry_here or try_next,
                    ))
                    if retry_here:
                        if token.wait(_backoff(attempt, exc)):
                            token.raise_if_cancelled()
                        continue
                    break
                runtime.emit(Usage(
                    agent=agent, model=response.model, prompt_tokens=response.prompt_tokens,
                    completion_tokens=response.completion_tokens, cost=response.cost, purpose=purpose,
                ))
                return response
            if last_error is None or last_error.kind not in _FALLBACK_KINDS:
                break
        assert last_error is not None
        raise last_error

    def _attempt(
        self, entry: ModelEntry, messages: list[dict[str, Any]], tools: list[dict[str, Any]], stream: bool, agent: str
    ) -> LLMResponse:
        litellm = wait_for_litellm(runtime.current().cancellation)  # Stop during the first import counts
        kwargs = _call_kwargs(entry)
        if tools:
            kwargs["tools"] = tools
        llm_messages = to_llm_messages(messages)
        if entry.model.startswith("local/"):
            return _call_abandonable(partial(_local_attempt, litellm, entry, llm_messages, kwargs, agent))
        token = runtime.current().cancellation
        sync_client = sync_calls.sync_client(entry.model, kwargs)
        if sync_client is not None:  # litellm's sync path on this thread: the cheapest, and Stop still ends it
            kwargs["client"] = sync_client
            if stream:
                chunks = sync_calls.stream(
                    lambda: litellm.completion(
                        model=entry.model, messages=llm_messages, stream=True, stream_options={"include_usage": True},
                        **kwargs,
                    ),
                    token,
                    _close,
                )
                return _response_from(litellm, _streamed(litellm, entry, llm_messages, chunks, agent), entry)
            raw = sync_calls.call(lambda: litellm.completion(model=entry.model, messages=llm_messages, **kwargs), token)
            return _response_from(litellm, raw, entry)
        inline = _pure_setup(entry.model)
        if stream:
            chunks = call_loop.stream(
                lambda: litellm.acompletion(
                    model=entry.model, messages=llm_messages, stream=True, stream_options={"include_usage": True},
                    **kwargs,
                ),
                token,
                inline_setup=inline,
            )
            raw = _streamed(litellm, entry, llm_messages, chunks, agent)
        else:
            raw = call_loop.call(
                lambda: litellm.acompletion(model=entry.model, messages=llm_messages, **kwargs), token, inline_setup=inline
            )
        return _response_from(litellm, raw, entry)


def _pure_setup(model: str) -> bool:
    """Whether litellm's request setup for ``model`` is pure computation (OpenAI and OpenAI-compatible
    servers: no credential refresh or other blocking I/O), so it may run on the shared call loop."""
    provider, _, rest = model.partition("/")
    return not rest or provider in ("openai", "text-completion-openai")


def _local_attempt(
    litellm: Any, entry: ModelEntry, messages: list[dict[str, Any]], kwargs: dict[str, Any], agent: str
) -> LLMResponse:
    """The built-in model: in-process, one call at a time, always streamed, so a stopped run releases
    it at the next token (a non-streamed call would keep it busy until max_tokens)."""
    from components.llm.local_model import register

    register()
    chunks = litellm.completion(
        model=entry.model, messages=messages, stream=True, stream_options={"include_usage": True}, **kwargs
    )
    return _response_from(litellm, _streamed(litellm, entry, messages, chunks, agent), entry)


def _call_kwargs(entry: ModelEntry) -> dict[str, Any]:
    kwargs = dict(entry.params)
    key_env = kwargs.pop("api_key_env", None)
    if key_env and not kwargs.get("api_key"):
        key = os.environ.get(key_env)
        if not key:
            raise LLMError(
                f"no API key for model {entry.model}: set the environment variable {key_env}",
                kind="authentication", model=entry.model, retryable=False,
            )
        kwargs["api_key"] = key
    kwargs.setdefault("num_retries", 0)  # retries are ours: they publish events and honour Stop
    kwargs.setdefault("max_retries", 0)
    return kwargs


def _streamed(litellm: Any, entry: ModelEntry, messages: list[dict[str, Any]], stream: Iterator[Any], agent: str) -> Any:
    """Collect a stream's chunks (publishing each text delta) into one response."""
    token = runtime.current().cancellation
    stream_id = new_id()
    chunks = []
    try:
        for chunk in stream:
            if token.cancelled:
                raise RunCancelled(token.reason)
            chunks.append(chunk)
            choices = getattr(chunk, "choices", None) or []
            text = getattr(choices[0].delta, "content", None) if choices else None
            if text:
                runtime.emit(TokenDelta(agent=agent, stream_id=stream_id, text=text))
    finally:
        _close(stream)  # a stream left open keeps the built-in model locked for every other run
    if not chunks:
        raise LLMError(f"model {entry.model} returned an empty stream", kind="server", model=entry.model, retryable=True)
    return litellm.stream_chunk_builder(chunks, messages=messages)


def _close(stream: Any) -> None:
    """Close a litellm stream and the generator it wraps (litellm's wrapper does not close it)."""
    for part in (getattr(stream, "completion_stream", None), stream):
        close = getattr(part, "close", None)
        if callable(close):
            try:
                close()
            except Exception:  # noqa: BLE001 - closing is best effort; the stream is done with either way
                logger.debug("closing a model stream failed", exc_info=True)


def _response_from(litellm: Any, raw: Any, entry: ModelEntry) -> LLMResponse:
    choices = getattr(raw, "choices", None) or []
    if not choices or getattr(choices[0], "message", None) is None:
        raise LLMError(
            f"model {entry.model} answered without a reply: {_what_came_back(raw)}",
            kind="server", model=entry.model, retryable=False,
        )
    choice = choices[0].message
    message: dict[str, Any] = {"role": "assistant", "content": choice.content}
    tool_calls = getattr(choice, "tool_calls", None)
    if tool_calls:
        message["tool_calls"] = [
            {
                "id": call.id or f"call_{new_id()}",
                "type": "function",
                "function": {"name": call.function.name, "arguments": call.function.arguments or "{}"},
            }
            for call in tool_calls
        ]
    usage = getattr(raw, "usage", None)
    prompt_tokens = int(getattr(usage, "prompt_tokens", 0) or 0)
    completion_tokens = int(getattr(usage, "completion_tokens", 0) or 0)
    return LLMResponse(
        message=message,
        model=entry.model,
        prompt_tokens=prompt_tokens,
        completion_tokens=completion_tokens,
        cost=_cost(litellm, raw, entry, prompt_tokens, completion_tokens),
    )


def _what_came_back(raw: Any) -> str:
    """One phrase for a response without a usable choice: what the provider did send."""
    choices = getattr(raw, "choices", None)
    shape = "an empty 'choices' list" if isinstance(choices, list) and not choices else f"choices {choices!r:.80}"
    details = [f"{name} {value}" for name in ("id", "object") if (value := getattr(raw, name, None))]
    usage = getattr(raw, "usage", None)
    if usage is not None and getattr(usage, "total_tokens", None) is not None:
        details.append(f"usage {usage.total_tokens} tokens")
    return f"the response had {shape}" + (f" ({', '.join(details)})" if details else "")


_UNPRICED: set[str] = set()  # models litellm has no price for: asking again costs an exception each call


def _cost(litellm: Any, raw: Any, entry: ModelEntry, prompt_tokens: int, completion_tokens: int) -> float | None:
    if entry.price:
        return (prompt_tokens * entry.price[0] + completion_tokens * entry.price[1]) / 1000
    if entry.model.startswith("local/"):
        return 0.0
    known = (getattr(raw, "_hidden_params", None) or {}).get("response_cost")
    if known is not None:  # litellm already priced this call
        return float(known)
    if entry.model in _UNPRICED:
        return None
    try:
        return float(litellm.completion_cost(completion_response=raw, model=entry.model))
    except Exception:  # noqa: BLE001 - litellm does not know every model's price
        _UNPRICED.add(entry.model)
        return None


def _backoff(attempt: int, exc: BaseException) -> float:
    retry_after = _retry_after(exc)
    if retry_after is not None:
        return min(retry_after, 30.0)
    return min(0.5 * (2**attempt), 8.0)


def _retry_after(exc: BaseException) -> float | None:
    response = getattr(exc, "response", None)
    headers = getattr(response, "headers", None)
    try:
        value = headers.get("retry-after") if headers is not None else None
        return float(value) if value is not None else None
    except (TypeError, ValueError):
        return None


# The built-in model runs in this process, one call at a time (it holds a lock), so its calls need a
# thread each; a stopped run's call ends at its next token. Calls to providers go through ``call_loop``.
_LOCAL_CALLS = ThreadPoolExecutor(max_workers=4, thread_name_prefix="roundtable-local-model")


def _call_abandonable(fn: Callable[[], LLMResponse]) -> LLMResponse:
    """Run ``fn`` in a worker thread; return its result, or raise RunCancelled as soon as the run stops.

    A call still queued when its run stops is dropped, and one that starts after Stop does nothing.
    """
    token = runtime.current().cancellation
    ctx = contextvars.copy_context()

    def unless_stopped() -> LLMResponse:
        token.raise_if_cancelled()
        return fn()

    future = _LOCAL_CALLS.submit(ctx.run, unless_stopped)
    with token.on_cancel(future.cancel):
        while True:
            try:
                return future.result(timeout=0.1)
            except FutureTimeout:
                token.raise_if_cancelled()
            except CancelledError:
                raise RunCancelled(token.reason or "the run was stopped") from None
