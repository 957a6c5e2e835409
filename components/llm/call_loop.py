"""Where model calls wait: one asyncio event loop, in a daemon thread, shared by every run in the process.

A call is a coroutine on that loop (litellm's ``acompletion``); the run's own thread waits for its result.
Stop cancels the coroutine: the HTTP request is closed at once and nothing of it stays behind, and a call
that had not been sent yet never is. There is no pool of worker threads for a silent provider to fill, so
stopped runs cannot hold up the others (before: 64 threads, each kept by an abandoned call until the
provider answered or timed out).

Results and streamed chunks are handed back to the run's thread, so event subscribers (which may write
to a database) never run on the shared loop.
"""

from __future__ import annotations

import asyncio
import atexit
import concurrent.futures
import contextvars
import queue
import sys
import threading
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any, TypeVar

from components.errors import RunCancelled
from components.runtime import CancellationToken

_T = TypeVar("_T")

_loop: asyncio.AbstractEventLoop | None = None
_loop_lock = threading.Lock()
# Set in a call's task when its first default-executor job (litellm's request setup) may run inline.
_inline_setup: contextvars.ContextVar[bool] = contextvars.ContextVar("roundtable_inline_setup", default=False)


class _SetupInlineExecutor(concurrent.futures.ThreadPoolExecutor):
    """The shared loop's default executor.

    litellm's ``acompletion`` first runs its synchronous request setup through ``run_in_executor`` and
    then awaits the request. A call made with ``inline_setup=True`` has that first job run right here on
    the loop: one thread hop less per model call (about 0.15-0.25 ms CPU, which was most of the engine's
    cost over a bare ``litellm.completion``). Only the first job of such a call is inlined; later ones
    (DNS lookups, say) still go to a thread. Callers ask for it only where the setup is pure computation.
    """

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> concurrent.futures.Future[Any]:
        if not _inline_setup.get():
            return super().submit(fn, *args, **kwargs)
        _inline_setup.set(False)
        done: concurrent.futures.Future[Any] = concurrent.futures.Future()
        try:
            done.set_result(fn(*args, **kwargs))
        except BaseException as exc:  # noqa: BLE001 - handed to the awaiting coroutine, as a thread would
            done.set_exception(exc)
        return done


def _shared_loop() -> asyncio.AbstractEventLoop:
    global _loop
    with _loop_lock:
        if _loop is None:
            loop = asyncio.new_event_loop()
            loop.set_default_executor(_SetupInlineExecutor(thread_name_prefix="roundtable-llm-setup"))
            threading.Thread(target=loop.run_forever, name="roundtable-llm-calls", daemon=True).start()
            _loop = loop
            atexit.register(_close_at_exit, loop)
        return _loop


def _close_at_exit(loop: asyncio.AbstractEventLoop) -> None:
    """At exit, close litellm's cached HTTP clients on the loop they were made on, then stop the loop.

    litellm's own exit hook closes them from a new event loop; a client whose transport belongs to this
    (still running) loop can hang there, and a script would then never end after its conversation did.
    """
    litellm = sys.modules.get("litellm")
    if litellm is not None and loop.is_running():
        try:
            from litellm.llms.custom_httpx.async_client_cleanup import close_litellm_async_clients

            asyncio.run_coroutine_threadsafe(close_litellm_async_clients(), loop).result(timeout=5)
            getattr(getattr(litellm, "in_memory_llm_clients_cache", None), "cache_dict", {}).clear()
        except Exception:  # noqa: BLE001 - an exit hook must never stop the program from ending
            pass
    if loop.is_running():
        loop.call_soon_threadsafe(loop.stop)


def _submit(coro: Awaitable[_T], token: CancellationToken) -> concurrent.futures.Future[_T]:
    """Schedule ``coro`` on the shared loop (in the caller's context), unless the run is already stopped."""
    token.raise_if_cancelled()  # a call is never sent after Stop
    return asyncio.run_coroutine_threadsafe(coro, _shared_loop())  # type: ignore[arg-type]


def call(make: Callable[[], Awaitable[_T]], token: CancellationToken, inline_setup: bool = False) -> _T:
    """Await ``make()`` on the shared loop and return its result; Stop cancels it and raises RunCancelled.

    ``inline_setup``: run the call's first executor job on the loop (see ``_SetupInlineExecutor``).
    """

    async def run() -> _T:
        if inline_setup:
            _inline_setup.set(True)
        return await make()

    future = _submit(run(), token)
    with token.on_cancel(future.cancel):
        try:
            return future.result()
        except concurrent.futures.CancelledError:
            raise RunCancelled(token.reason or "the run was stopped") from None


def stream(
    make: Callable[[], Awaitable[AsyncIterator[Any]]], token: CancellationToken, inline_setup: bool = False
) -> Iterator[Any]:
    """The chunks of the async stream ``make()`` opens, yielded in the caller's thread as they arrive.

    Stop (or closing this generator) cancels the stream on the loop, which closes its connection.
    """
    handoff: queue.SimpleQueue[tuple[str, Any]] = queue.SimpleQueue()

    async def pump() -> None:
        if inline_setup:
            _inline_setup.set(True)
        try:
            async for chunk in await make():
                handoff.put(("chunk", chunk))
        except Exception as exc:  # noqa: BLE001 - handed to the caller, which raises it
            handoff.put(("error", exc))
        else:
            handoff.put(("end", None))

    def stop() -> None:
        future.cancel()
        handoff.put(("stopped", None))

    future = _submit(pump(), token)
    try:
        with token.on_cancel(stop):
            while True:
                kind, item = handoff.get()
                if kind == "chunk":
                    yield item
                elif kind == "error":
                    raise item
                elif kind == "stopped":
                    raise RunCancelled(token.reason or "the run was stopped")
                else:
                    return
    finally:
        future.cancel()  # the caller stopped reading: end the stream and its connection
