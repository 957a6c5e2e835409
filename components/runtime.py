"""The ambient context of a conversation: where events go, how to stop it, who answers for humans.

A program that just uses the agents gets the process-wide defaults (events to ``default_bus``, console
input). A host such as the studio wraps a run in ``run_context(...)`` to receive every event, stop the
run and answer human-input requests, without the agents knowing who listens.
"""

from __future__ import annotations

import contextlib
import contextvars
import logging
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from components.errors import RunCancelled
from components.events import Event, SkipOutcome

logger = logging.getLogger(__name__)

Subscriber = Callable[[Event], None]


class EventBus:
    """Publishes events to subscribers. A subscriber that raises is logged and skipped, never fatal."""

    def __init__(self) -> None:
        self._subscribers: list[Subscriber] = []
        self._lock = threading.Lock()

    def subscribe(self, fn: Subscriber) -> Callable[[], None]:
        """Add ``fn``; returns a function that removes it again."""
        with self._lock:
            self._subscribers.append(fn)

        def unsubscribe() -> None:
            with self._lock:
                if fn in self._subscribers:
                    self._subscribers.remove(fn)

        return unsubscribe

    def publish(self, event: Event) -> None:
        with self._lock:
            subscribers = list(self._subscribers)
        for fn in subscribers:
            try:
                fn(event)
            except Exception:  # a broken listener must not break the conversation
                logger.exception("event subscriber %r failed on a %s event", fn, event.kind)


class CancellationToken:
    """Set once to stop a run. Long operations register a callback to be interrupted at once."""

    def __init__(self) -> None:
        self._event = threading.Event()
        self._callbacks: list[Callable[[], None]] = []
        self._lock = threading.Lock()
        self.reason = ""

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()

    def cancel(self, reason: str = "stopped by the user") -> None:
        with self._lock:
            if self._event.is_set():
                return
            self.reason = reason
            self._event.set()
            callbacks = list(self._callbacks)
        for cb in callbacks:
            try:
                cb()
            except Exception:
                logger.exception("cancellation callback failed")

    def raise_if_cancelled(self) -> None:
        if self._event.is_set():
            raise RunCancelled(self.reason or "the run was stopped")

    def wait(self, timeout: float | None = None) -> bool:
        """Sleep up to ``timeout`` seconds; True as soon as the token is cancelled."""
        return self._event.wait(timeout)

    @contextlib.contextmanager
    def on_cancel(self, callback: Callable[[], None]) -> Iterator[None]:
        """Call ``callback`` if the token is cancelled while the block runs (or already was)."""
        with self._lock:
            self._callbacks.append(callback)
            already = self._event.is_set()
        if already:
            callback()
        try:
            yield
        finally:
            with self._lock:
                if callback in self._callbacks:
                    self._callbacks.remove(callback)


@dataclass(frozen=True)
class InputRequest:
    """What an agent asks a human. ``request_id`` matches the ``InputRequested`` event."""

    agent: str
    sender: str
    prompt: str
    request_id: str
    # What the question is about, so a page can offer the right buttons instead of the console prompt:
    # the tool calls that wait on the answer ((name, arguments JSON) pairs), what an empty answer does
    # ("auto_reply": the agent answers itself, "end": the chat ends, "empty": an empty message is sent),
    # and whether ``prompt`` is one of AutoGen's standard console prompts ("Press enter to skip...").
    tool_calls: tuple[tuple[str, str], ...] = ()
    on_skip: SkipOutcome = "auto_reply"
    standard_prompt: bool = False

    @classmethod
    def from_dict(cls, stored: dict[str, object]) -> InputRequest:
        """A request stored as JSON (``dataclasses.asdict``), e.g. by another process; unknown keys ignored."""
        calls = stored.get("tool_calls") or ()
        return cls(
            agent=str(stored.get("agent", "")), sender=str(stored.get("sender", "")),
            prompt=str(stored.get("prompt", "")), request_id=str(stored.get("request_id", "")),
            tool_calls=tuple((str(name), str(arguments)) for name, arguments in calls),  # type: ignore[union-attr]
            on_skip=stored.get("on_skip", "auto_reply"),  # type: ignore[arg-type]
            standard_prompt=bool(stored.get("standard_prompt", False)),
        )


InputFunction = Callable[[InputRequest], str]


def console_input(request: InputRequest) -> str:
    """The human at the terminal, or the IO stream the program installed (AutoGen's ``IOStream``)."""
    from components.io import IOStream

    return IOStream.get_default().input(request.prompt)


@dataclass
class RunContext:
    bus: EventBus = field(default_factory=EventBus)
    cancellation: CancellationToken = field(default_factory=CancellationToken)
    input_fn: InputFunction = console_input


default_bus = EventBus()
_DEFAULT = RunContext(bus=default_bus)
_current: contextvars.ContextVar[RunContext] = contextvars.ContextVar("roundtable_run", default=_DEFAULT)


def current() -> RunContext:
    return _current.get()


@contextlib.contextmanager
def run_context(
    bus: EventBus | None = None,
    cancellation: CancellationToken | None = None,
    input_fn: InputFunction | None = None,
) -> Iterator[RunContext]:
    """Run the enclosed conversation with its own event bus, stop token and input function."""
    ctx = RunContext(
        bus=bus or EventBus(),
        cancellation=cancellation or CancellationToken(),
        input_fn=input_fn or console_input,
    )
    token = _current.set(ctx)
    try:
        yield ctx
    finally:
        _current.reset(token)


def emit(event: Event) -> None:
    """Publish ``event`` on the current run's bus (and to the IO stream a program installed, if any)."""
    current().bus.publish(event)
    if _io_streams_in_use:
        from components.io import active_stream

        stream = active_stream()
        if stream is not None:
            try:
                stream.send(event)
            except Exception:  # a broken stream must not break the conversation, as a broken listener
                logger.exception("IO stream %r failed on a %s event", stream, event.kind)


_io_streams_in_use = False  # set by components.io when a stream is installed: emit stays cheap otherwise


def io_streams_installed() -> None:
    global _io_streams_in_use
    _io_streams_in_use = True


def check_cancelled() -> None:
    current().cancellation.raise_if_cancelled()
