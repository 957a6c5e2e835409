"""Helpers for tests with real MCP servers: the test server's command, an HTTP one on loopback, and
finding a stdio server's process (by its working directory, a temporary folder only it uses)."""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

from components.mcp import McpHttpServer, McpStdioServer

TEST_SERVER = Path(__file__).with_name("mcp_server.py")


def stdio_test_server(name: str = "testing", **kwargs: object) -> McpStdioServer:
    """The tests' own server over stdio (``tests/support/mcp_server.py``)."""
    return McpStdioServer(name=name, command=sys.executable, args=(str(TEST_SERVER),), **kwargs)  # type: ignore[arg-type]


def time_server(name: str = "time", **kwargs: object) -> McpStdioServer:
    """``mcp-server-time`` from PyPI (requirements-dev.txt), over stdio; it needs no network."""
    command = shutil.which("mcp-server-time")
    assert command, "mcp-server-time is not installed: pip install -r requirements-dev.txt"
    return McpStdioServer(name=name, command=command, args=("--local-timezone", "UTC"), **kwargs)  # type: ignore[arg-type]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def http_test_server(mode: str = "http") -> Iterator[str]:
    """The test server over streamable HTTP (or SSE) on a free loopback port; yields its URL."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, str(TEST_SERVER), mode, str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.5):
                break
            assert process.poll() is None, "the MCP test server exited at start"
            time.sleep(0.1)
        yield f"http://127.0.0.1:{port}/mcp" if mode == "http" else f"http://127.0.0.1:{port}/sse"
    finally:
        process.terminate()
        process.wait(timeout=10)


def http_server(url: str, name: str = "web", **kwargs: object) -> McpHttpServer:
    return McpHttpServer(name=name, url=url, transport="sse" if url.endswith("/sse") else "streamable_http", **kwargs)  # type: ignore[arg-type]


def processes_in(folder: Path | None) -> list[int]:
    """PIDs of living processes whose working directory is ``folder`` (Linux /proc)."""
    if folder is None:
        return []
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError):
            # a folder removed under a living process reads "<path> (deleted)"
            if os.readlink(entry / "cwd") in (str(folder), f"{folder} (deleted)") and _alive(entry):
                found.append(int(entry.name))
    return found


def _alive(entry: Path) -> bool:
    with contextlib.suppress(OSError):
        return (entry / "stat").read_text().split(") ", 1)[1][0] != "Z"
    return False


def wait_gone(folder: Path | None, within_s: float = 10) -> list[int]:
    deadline = time.monotonic() + within_s
    while (left := processes_in(folder)) and time.monotonic() < deadline:
        time.sleep(0.1)
    return left
