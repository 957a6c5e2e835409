"""Model calls on the run's own thread, through litellm's sync path, that a Stop still ends at once.

litellm's sync ``completion`` is the cheapest way to a provider (no thread hop, no event loop; see
docs/performance.md), but a blocking HTTP read cannot be cancelled like a coroutine. Here the read can be
ended from another thread: the OpenAI SDK client given to litellm sends through an httpx pool whose
sockets are wrapped (``_AbortableStream``), and the call's Stop callback shuts down the socket the call is
reading from, which wakes the read at once; the connection is dropped, the call raises, and the caller
turns that into ``RunCancelled``.

Used for OpenAI-compatible models (``openai/...``) with an explicit ``api_key``; others go through the
shared call loop (``call_loop``). Where the httpx/httpcore internals this relies on are missing, a proxy
is configured in the environment or the program set ``litellm.client_session``, ``sync_client`` returns
None and the caller uses the loop.
"""

from __future__ import annotations

import atexit
import contextlib
import contextvars
import os
import socket
import threading
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

from components.errors import RunCancelled
from components.runtime import CancellationToken

_T = TypeVar("_T")
_PROXY_VARS = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy")


class _Call:
    """One call in flight: the stream it last read from or wrote to, and whether it was stopped."""

    __slots__ = ("stopped", "stream")

    def __init__(self) -> None:
        self.stopped = False
        self.stream: _AbortableStream | None = None

    def stop(self) -> None:
        self.stopped = True  # first, so a read that starts after this sees it
        stream = self.stream
        if stream is not None:
            stream.shutdown()


_current: contextvars.ContextVar[_Call | None] = contextvars.ContextVar("roundtable_sync_call", default=None)


class _AbortableStream:
    """An httpcore network stream whose blocking read or write the current call's Stop can end."""

    def __init__(self, inner: Any) -> None:
        self._inner = inner

    def _enter(self, call: _Call) -> None:
        call.stream = self  # before checking ``stopped``: see _Call.stop
        if call.stopped:
            import httpcore

            raise httpcore.ReadError("the run was stopped")

    # The call points at this stream only while it reads or writes: once a read returns, the connection
    # may go back to the pool and serve another run's call, which a late Stop of this one must not shut.
    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        call = _current.get()
        if call is None:
            return self._inner.read(max_bytes, timeout)
        self._enter(call)
        try:
            return self._inner.read(max_bytes, timeout)
        finally:
            call.stream = None

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        call = _current.get()
        if call is None:
            self._inner.write(buffer, timeout)
            return
        self._enter(call)
        try:
            self._inner.write(buffer, timeout)
        finally:
            call.stream = None

    def close(self) -> None:
        self._inner.close()

    def start_tls(self, ssl_context: Any, server_hostname: str | None = None, timeout: float | None = None) -> Any:
        return _AbortableStream(self._inner.start_tls(ssl_context, server_hostname, timeout))

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)

    def shutdown(self) -> None:
        sock = self._inner.get_extra_info("socket")
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)


class _AbortableBackend:
    """httpcore's network backend, with every stream it opens wrapped in ``_AbortableStream``."""

    def __init__(self, inner: Any) -> None:
        self._inner = inner

    def connect_tcp(self, *args: Any, **kwargs: Any) -> _AbortableStream:
        return _AbortableStream(self._inner.connect_tcp(*args, **kwargs))

    def connect_unix_socket(self, *args: Any, **kwargs: Any) -> _AbortableStream:
        return _AbortableStream(self._inner.connect_unix_socket(*args, **kwargs))

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


_http_client: Any = None
_clients: dict[tuple[str, str | None, str | None], Any] = {}
_lock = threading.Lock()


def _abortable_http_client() -> Any:
    """One httpx client for every sync call (one connection pool), made like litellm's own, or None."""
    global _http_client
    if _http_client is None:
        import httpx
        from litellm.llms.custom_httpx.http_handler import get_ssl_configuration

        transport = httpx.HTTPTransport(verify=get_ssl_configuration())
        pool = getattr(transport, "_pool", None)
        backend = getattr(pool, "_network_backend", None)
        if backend is None or not hasattr(backend, "connect_tcp"):
            return None
        pool._network_backend = _AbortableBackend(backend)  # type: ignore[union-attr]
        _http_client = httpx.Client(transport=transport, follow_redirects=True)
        atexit.register(_http_client.close)  # the kept-alive connections end with the program
    return _http_client


def sync_client(model: str, kwargs: dict[str, Any]) -> Any:
    """An OpenAI SDK client for ``model`` whose calls a Stop can end, or None (use the call loop)."""
    api_key = kwargs.get("api_key")
    if not model.startswith("openai/") or not isinstance(api_key, str) or not api_key:
        return None
    key = (api_key, kwargs.get("api_base") or kwargs.get("base_url"), kwargs.get("organization"))
    client = _clients.get(key)  # runs before every call: the proxy check is made once per client
    if client is not None:
        return client
    if any(os.environ.get(v) for v in _PROXY_VARS):
        return None  # httpx would route through the proxy's own transport, which Stop cannot shut
    import litellm

    if litellm.client_session is not None:
        return None  # the program gave litellm an HTTP client of its own: leave its calls to it
    with _lock:
        client = _clients.get(key)
        if client is None:
            http_client = _abortable_http_client()
            if http_client is None:
                return None
            import openai

            client = openai.OpenAI(
                api_key=api_key, base_url=key[1], organization=key[2], max_retries=0,
                http_client=http_client,
            )
            _clients[key] = client
        return client


def call(fn: Callable[[], _T], token: CancellationToken) -> _T:
    """``fn()`` (a sync litellm call through a ``sync_client``) on this thread; Stop ends it at once."""
    token.raise_if_cancelled()
    this = _Call()
    reset = _current.set(this)
    try:
        with token.on_cancel(this.stop):
            return fn()
    except Exception:
        if this.stopped:
            raise RunCancelled(token.reason or "the run was stopped") from None
        raise
    finally:
        _current.reset(reset)


def stream(open_stream: Callable[[], Iterator[Any]], token: CancellationToken, close: Callable[[Any], None]) -> Iterator[Any]:
    """The chunks of a sync litellm stream, read on this thread; Stop ends the read at once. The stream
    is closed (``close(stream)``) when the caller stops reading."""
    token.raise_if_cancelled()
    this = _Call()
    chunks: Iterator[Any] | None = None
    try:
        with token.on_cancel(this.stop):
            while True:
                reset = _current.set(this)
                try:
                    if chunks is None:
                        chunks = open_stream()
                    chunk = next(chunks)
                except StopIteration:
                    return
                finally:
                    _current.reset(reset)
                yield chunk
    except Exception:
        if this.stopped:
            raise RunCancelled(token.reason or "the run was stopped") from None
        raise
    finally:
        if chunks is not None:
            close(chunks)
