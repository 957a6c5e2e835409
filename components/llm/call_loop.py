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
import concurrent.futures
import queue
import threading
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any, TypeVar

from components.errors import RunCancelled
from components.runtime import CancellationToken

_T = TypeVar("_T")

_loop: asyncio.AbstractEventLoop | None = None
_loop_lock = threading.Lock()


def _shared_loop() -> asyncio.AbstractEventLoop:
    global _loop
    with _loop_lock:
        if _loop is None:
            loop = asyncio.new_event_loop()
            threading.Thread(target=loop.run_forever, name="roundtable-llm-calls", daemon=True).start()
            _loop = loop
        return _loop


def _submit(coro: Awaitable[_T], token: CancellationToken) -> concurrent.futures.Future[_T]:
    """Schedule ``coro`` on the shared loop (in the caller's context), unless the run is already stopped."""
    token.raise_if_cancelled()  # a call is never sent after Stop
    return asyncio.run_coroutine_threadsafe(coro, _shared_loop())  # type: ignore[arg-type]


def call(make: Callable[[], Awaitable[_T]], token: CancellationToken) -> _T:
    """Await ``make()`` on the shared loop and return its result; Stop cancels it and raises RunCancelled."""

    async def run() -> _T:
        return await make()

    future = _submit(run(), token)
    with token.on_cancel(future.cancel):
        try:
            return future.result()
        except concurrent.futures.CancelledError:
            raise RunCancelled(token.reason or "the run was stopped") from None


def stream(make: Callable[[], Awaitable[AsyncIterator[Any]]], token: CancellationToken) -> Iterator[Any]:
    """The chunks of the async stream ``make()`` opens, yielded in the caller's thread as they arrive.

    Stop (or closing this generator) cancels the stream on the loop, which closes its connection.
    """
    handoff: queue.SimpleQueue[tuple[str, Any]] = queue.SimpleQueue()

    async def pump() -> None:
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
