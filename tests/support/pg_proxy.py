"""A TCP proxy on loopback in front of the real PostgreSQL that can cut its connections at a chosen moment:
right after it forwards a statement (the server gets it, the client never hears back), which is how a
connection breaks with the outcome of a COMMIT unknown."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import make_url


class CuttingProxy:
    """Forwards every connection to ``host:port``; ``cut_after(b"COMMIT")`` arms one cut."""

    def __init__(self, host: str, port: int) -> None:
        self.target = (host, port)
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.cuts = 0
        self._marker: bytes | None = None
        self._lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def url(self, url: str) -> str:
        """``url`` (a PostgreSQL URL) pointed at this proxy."""
        return make_url(url).set(host="127.0.0.1", port=self.port).render_as_string(hide_password=False)

    def cut_after(self, marker: bytes) -> None:
        """The next client message containing ``marker`` reaches the server; then the connection is cut
        before any answer gets back."""
        with self._lock:
            self._marker = marker

    def close(self) -> None:
        self.listener.close()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            server = socket.create_connection(self.target)
            frozen = threading.Event()
            threading.Thread(target=self._upstream, args=(client, server, frozen), daemon=True).start()
            threading.Thread(target=self._downstream, args=(server, client, frozen), daemon=True).start()

    def _take(self, chunk: bytes) -> bool:
        with self._lock:
            if self._marker is not None and self._marker in chunk:
                self._marker = None
                return True
            return False

    def _upstream(self, client: socket.socket, server: socket.socket, frozen: threading.Event) -> None:
        try:
            while chunk := client.recv(65536):
                cut = self._take(chunk)
                if cut:
                    frozen.set()  # whatever the server answers from now on is dropped
                server.sendall(chunk)
                if cut:
                    time.sleep(0.3)  # the server acts on it (commits) meanwhile
                    self.cuts += 1
                    break
        except OSError:
            pass
        for end in (client, server):
            try:
                end.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            end.close()

    @staticmethod
    def _downstream(server: socket.socket, client: socket.socket, frozen: threading.Event) -> None:
        try:
            while chunk := server.recv(65536):
                if frozen.is_set():
                    return
                client.sendall(chunk)
        except OSError:
            pass


@contextmanager
def cutting_proxy(url: str) -> Iterator[CuttingProxy]:
    parsed = make_url(url)
    proxy = CuttingProxy(parsed.host or "127.0.0.1", parsed.port or 5432)
    try:
        yield proxy
    finally:
        proxy.close()
