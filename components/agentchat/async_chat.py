"""AutoGen's awaitable entry points (``a_initiate_chat``, ``a_send``, ...) and async reply functions.

One engine serves both worlds: an ``a_*`` call runs the same (synchronous) conversation in a worker
thread, so the caller's event loop stays free, and every coroutine the conversation meets (an async reply
function, tool, human-input function or ``a_get_human_input`` override) is run on that caller's loop,
where it may await the caller's own resources (a websocket, a queue, an async client). Outside an
``a_*`` call an async tool still works: it runs on a private loop, as AutoGen does.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import contextvars
import inspect
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, TypeVar

from components import runtime
from components.runtime import CancellationToken

if TYPE_CHECKING:
    from components.agentchat.chat import ChatResult
    from components.agentchat.conversable import Agent, ConversableAgent

T = TypeVar("T")
_caller_loop: contextvars.ContextVar[asyncio.AbstractEventLoop | None] = contextvars.ContextVar(
    "roundtable_caller_loop", default=None
)


def in_async_chat() -> bool:
    """True inside an ``a_*`` call: async reply functions take part instead of being skipped."""
    return _caller_loop.get() is not None


def awaits_receive(recipient: Any) -> bool:
    """True when, inside an async chat, ``recipient`` must be reached through its own ``a_receive``, as
    AutoGen's ``a_send`` awaits it: an agent of the program's own making whose ``a_receive`` is a
    coroutine (its ``receive`` may not even exist), or a ConversableAgent that overrides ``a_receive``."""
    if _caller_loop.get() is None:
        return False
    own = getattr(type(recipient), "a_receive", None)
    return own is not a_receive and inspect.iscoroutinefunction(own)


def resolve(value: Any) -> Any:
    """``value`` itself, or, when it is awaitable, what it evaluates to (awaited on the right loop)."""
    if not inspect.isawaitable(value):
        return value
    loop = _caller_loop.get()
    if loop is not None:
        return _on_caller_loop(value, loop)
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(_awaited(value))
    # a sync chat started from inside a running loop: that loop is blocked by us, so use a private one
    with concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="roundtable-async") as pool:
        return pool.submit(contextvars.copy_context().run, asyncio.run, _awaited(value)).result()


async def _awaited(value: Awaitable[T]) -> T:
    return await value


def _on_caller_loop(value: Awaitable[T], loop: asyncio.AbstractEventLoop) -> T:
    future = asyncio.run_coroutine_threadsafe(_awaited(value), loop)
    with runtime.current().cancellation.on_cancel(future.cancel):
        try:
            return future.result()
        except concurrent.futures.CancelledError:
            runtime.check_cancelled()
            raise


async def run_in_worker(fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
    """Run ``fn`` (a sync engine call) in a thread, with this loop as the home of its coroutines.

    Cancelling the awaiting task stops the conversation (``RunCancelled`` inside it) and waits for the
    thread to wind down, so no agent is left mid-turn.
    """
    outer = runtime.current()
    token = CancellationToken()

    def call() -> T:
        with outer.cancellation.on_cancel(lambda: token.cancel(outer.cancellation.reason)), runtime.run_context(
            bus=outer.bus, cancellation=token, input_fn=outer.input_fn
        ):
            return fn(*args, **kwargs)

    reset = _caller_loop.set(asyncio.get_running_loop())
    try:
        task = asyncio.ensure_future(asyncio.to_thread(call))  # the task copies the context set above
    finally:
        _caller_loop.reset(reset)
    try:
        return await asyncio.shield(task)
    except asyncio.CancelledError:
        token.cancel("the awaiting task was cancelled")
        with contextlib.suppress(BaseException):
            await task
        raise


# -- the a_* methods of ConversableAgent ----------------------------------------------------------------
async def a_initiate_chat(self: ConversableAgent, recipient: ConversableAgent, **kwargs: Any) -> ChatResult:
    """``initiate_chat``, awaitable; async reply functions of every participant take part."""
    return await run_in_worker(self.initiate_chat, recipient, **kwargs)


async def a_initiate_chats_from(
    self: ConversableAgent, chat_queue: list[dict[str, Any]]
) -> list[ChatResult] | dict[Any, ChatResult]:
    """``agent.a_initiate_chats(queue)`` with this agent as the default sender: chats with ``chat_id``s
    run as AutoGen's async multi-chat (a dict by id); without, one after another (a list)."""
    from components.agentchat.chat_graph import run_chat_graph, uses_chat_ids

    if uses_chat_ids(chat_queue):
        return await run_chat_graph(chat_queue, default_sender=self)
    return await run_in_worker(self.initiate_chats, chat_queue)


async def a_send(
    self: ConversableAgent, message: dict[str, Any] | str, recipient: Agent,
    request_reply: bool | None = None, silent: bool = False,
) -> None:
    await run_in_worker(self.send, message, recipient, request_reply, silent)


async def a_receive(
    self: ConversableAgent, message: dict[str, Any] | str, sender: Agent,
    request_reply: bool | None = None, silent: bool = False,
) -> None:
    await run_in_worker(self.receive, message, sender, request_reply, silent)


async def a_generate_reply(
    self: ConversableAgent, messages: list[dict[str, Any]] | None = None, sender: Agent | None = None,
    exclude: tuple = (),
) -> str | dict[str, Any] | None:
    return await run_in_worker(self.generate_reply, messages, sender, exclude)


async def a_get_human_input(self: ConversableAgent, prompt: str) -> str:
    """Ask the human. Override it with your own coroutine (a web page's answer, say): inside an async
    chat the agents then ask through it."""
    return await run_in_worker(self.get_human_input, prompt)


async def a_initiate_chats(chat_queue: list[dict[str, Any]]) -> list[ChatResult] | dict[Any, ChatResult]:
    """The module-level ``a_initiate_chats``: with ``chat_id``s (and ``prerequisites``), AutoGen's async
    multi-chat, returning results by id; without, sequential chats with carryover, returning a list."""
    from components.agentchat.chat import initiate_chats
    from components.agentchat.chat_graph import run_chat_graph, uses_chat_ids

    if uses_chat_ids(chat_queue):
        return await run_chat_graph(chat_queue)
    return await run_in_worker(initiate_chats, chat_queue)


async def a_execute_function(
    self: ConversableAgent, func_call: dict[str, Any], call_id: str | None = None, verbose: bool = False
) -> tuple[bool, dict[str, Any]]:
    """``execute_function``, awaitable: an async function runs on the caller's loop."""
    return await run_in_worker(self.execute_function, func_call, call_id, verbose)


async def a_generate_function_call_reply(
    self: ConversableAgent, messages: list[dict[str, Any]] | None = None, sender: Agent | None = None, config: Any = None
) -> tuple[bool, dict[str, Any] | None]:
    return await run_in_worker(self.generate_function_call_reply, messages, sender, config)


async def a_generate_tool_calls_reply(
    self: ConversableAgent, messages: list[dict[str, Any]] | None = None, sender: Agent | None = None, config: Any = None
) -> tuple[bool, dict[str, Any] | None]:
    return await run_in_worker(self.generate_tool_calls_reply, messages, sender, config)


async def a_generate_init_message(
    self: ConversableAgent, message: dict[str, Any] | str | None, **kwargs: Any
) -> str | dict[str, Any]:
    """The first message (asked through ``a_get_human_input`` when None), with any carryover appended."""
    return await run_in_worker(self.generate_init_message, message, **kwargs)
