"""AutoGen's IO streams: where a conversation's output and a human's input go when no host answers.

The engine itself prints nothing: everything it does is an event on the run's bus. Code written for
AutoGen that installs a stream (``IOStream.set_global_default(...)`` or ``with IOStream.set_default(...)``)
gets every event passed to that stream's ``send`` and is asked for human input through its ``input``;
without one, input comes from the console and nothing is printed.

- ``IOConsole``: prints each event as a short text and reads input from the terminal;
- ``ThreadIOStream``: thread-safe queues: ``input_stream`` receives the events (and ``InputRequest``s),
  ``answer(text)`` replies to an input request from another thread;
- ``AsyncThreadIOStream``: the same with asyncio queues and an awaitable ``input``.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import getpass
import queue
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

from components import runtime

__all__ = [
    "AsyncThreadIOStream", "IOConsole", "IOStream", "InputStream", "OutputStream", "StreamInputRequest",
    "ThreadIOStream", "active_stream", "describe_event",
]


@runtime_checkable
class OutputStream(Protocol):
    def print(self, *objects: Any, sep: str = " ", end: str = "\n", flush: bool = False) -> None: ...

    def send(self, message: Any) -> None: ...


@runtime_checkable
class InputStream(Protocol):
    def input(self, prompt: str = "", *, password: bool = False) -> str: ...


class IOStream:
    """The registry of the default stream (per context, else process-wide), as in AutoGen."""

    _default_io_stream: contextvars.ContextVar[Any] = contextvars.ContextVar("roundtable_iostream", default=None)
    _global_default: Any = None

    @staticmethod
    def set_global_default(stream: Any) -> None:
        runtime.io_streams_installed()
        IOStream._global_default = stream

    @staticmethod
    def get_global_default() -> Any:
        if IOStream._global_default is None:
            raise RuntimeError("No global default IOStream has been set")
        return IOStream._global_default

    @staticmethod
    def get_default() -> Any:
        """The stream of this context, else the global one, else a console."""
        return IOStream._default_io_stream.get() or IOStream._global_default or IOConsole()

    @staticmethod
    @contextlib.contextmanager
    def set_default(stream: Any) -> Iterator[None]:
        runtime.io_streams_installed()
        token = IOStream._default_io_stream.set(stream)
        try:
            yield
        finally:
            IOStream._default_io_stream.reset(token)


def active_stream() -> Any:
    """The stream a program installed, or None (then events are not printed anywhere)."""
    return IOStream._default_io_stream.get() or IOStream._global_default


def describe_event(event: Any) -> str:
    """A plain-text line or block for an engine event (what ``IOConsole`` prints)."""
    kind = getattr(event, "kind", "")
    if kind == "message":
        body = event.content if isinstance(event.content, str) else ("" if event.content is None else str(event.content))
        calls = "".join(
            f"\n***** Suggested tool call: {c.get('function', {}).get('name', '')}"
            f"({c.get('function', {}).get('arguments', '')}) *****"
            for c in event.tool_calls or []
        )
        return f"{event.sender} (to {event.recipient}):\n\n{body}{calls}\n\n" + "-" * 80
    if kind == "speaker_selected":
        return f"\nNext speaker: {event.speaker}\n"
    if kind == "tool_call":
        return f"\n>>>>>>>> EXECUTING FUNCTION {event.name}...\nInput arguments: {event.arguments}"
    if kind == "code_started":
        return f"\n>>>>>>>> EXECUTING CODE BLOCK (inferred language is {event.language})..."
    if kind == "chat_finished" and event.reason:
        return f"\n>>>>>>>> TERMINATING RUN: {event.reason}"
    if kind in ("notice", "error"):
        return str(getattr(event, "message", ""))
    return ""


class IOConsole(IOStream):
    """Prints events as text and reads input from the terminal."""

    def print(self, *objects: Any, sep: str = " ", end: str = "\n", flush: bool = False) -> None:
        print(*objects, sep=sep, end=end, flush=flush)

    def send(self, message: Any) -> None:
        text = describe_event(message) if hasattr(message, "kind") else str(message)
        if text:
            print(text, flush=True)

    def input(self, prompt: str = "", *, password: bool = False) -> str:
        if password:
            return getpass.getpass(prompt or "Password: ")
        return input(prompt)


@dataclass(frozen=True)
class StreamInputRequest:
    """Put on a thread stream's ``input_stream`` when the conversation needs a human's answer."""

    prompt: str
    password: bool = False
    kind: str = "input_request"


class ThreadIOStream:
    """Thread-safe: the conversation runs in one thread, another reads ``input_stream`` and answers."""

    def __init__(self) -> None:
        self._input_stream: queue.Queue[Any] = queue.Queue()
        self._output_stream: queue.Queue[str] = queue.Queue()

    @property
    def input_stream(self) -> queue.Queue[Any]:
        return self._input_stream

    def print(self, *objects: Any, sep: str = " ", end: str = "\n", flush: bool = False) -> None:
        self.send(sep.join(str(o) for o in objects) + end)

    def send(self, message: Any) -> None:
        self._input_stream.put(message)

    def input(self, prompt: str = "", *, password: bool = False) -> str:
        self.send(StreamInputRequest(prompt=prompt, password=password))
        return self._output_stream.get()

    def answer(self, text: str) -> None:
        """Reply to the pending (or next) input request."""
        self._output_stream.put(text)


class AsyncThreadIOStream:
    """Like ``ThreadIOStream`` with asyncio queues; ``input`` is awaited on the conversation's loop."""

    def __init__(self) -> None:
        self._input_stream: asyncio.Queue[Any] = asyncio.Queue()
        self._output_stream: asyncio.Queue[str] = asyncio.Queue()
        try:
            self._loop: asyncio.AbstractEventLoop | None = asyncio.get_running_loop()
        except RuntimeError:
            self._loop = None

    @property
    def input_stream(self) -> asyncio.Queue[Any]:
        return self._input_stream

    def print(self, *objects: Any, sep: str = " ", end: str = "\n", flush: bool = False) -> None:
        self.send(sep.join(str(o) for o in objects) + end)

    def send(self, message: Any) -> None:
        self._put(self._input_stream, message)

    async def input(self, prompt: str = "", *, password: bool = False) -> str:
        self._loop = asyncio.get_running_loop()
        self.send(StreamInputRequest(prompt=prompt, password=password))
        return await self._output_stream.get()

    def answer(self, text: str) -> None:
        self._put(self._output_stream, text)

    def _put(self, target: asyncio.Queue[Any], item: Any) -> None:
        """asyncio queues are not thread-safe: from another thread (the engine's), hand over to the loop."""
        try:
            on_loop = asyncio.get_running_loop() is self._loop
        except RuntimeError:
            on_loop = False
        if self._loop is None or on_loop or self._loop.is_closed():
            target.put_nowait(item)
        else:
            self._loop.call_soon_threadsafe(target.put_nowait, item)
