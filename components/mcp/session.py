"""One connection to one MCP server for the length of a run, callable from the run's (synchronous) thread.

The SDK is async and keeps its transport in anyio task groups that must be entered and left by the same
task, so each session owns an event loop on a thread of its own: one long-lived task holds the client
open (``_hold``) and every list or call is a coroutine submitted to that loop. ``close`` ends the hold
task, which stops the server process (the SDK closes its stdin, then terminates its process group).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import shutil
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from components import runtime
from components.errors import RunCancelled
from components.mcp.errors import McpServerError, McpToolError
from components.mcp.failures import start_failure_reason
from components.mcp.results import result_text
from components.mcp.servers import McpHttpServer, McpServer, McpStdioServer

logger = logging.getLogger(__name__)

_CLOSE_TIMEOUT = 10.0  # the SDK's own stdio shutdown is bounded at about 6 s


@dataclass(frozen=True)
class McpToolInfo:
    """A tool as the server lists it."""

    name: str
    description: str
    input_schema: dict[str, Any] = field(default_factory=dict)


class McpSession:
    """Start with ``start()`` (or ``with``), then ``tools()`` and ``call(name, arguments)``; ``close()`` stops it."""

    def __init__(self, server: McpServer, environ: dict[str, str] | None = None) -> None:
        self.server = server
        self._environ = environ
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._client: Any = None
        self._hold: concurrent.futures.Future[None] | None = None
        self._closing: asyncio.Event | None = None
        self._stderr_file: Any = None
        self._ready = False
        self._lost = False  # the connection closed under a request: the server is gone
        self._listed: list[McpToolInfo] | None = None
        self._ended = threading.Event()
        self.work_dir: Path | None = None
        """The stdio server's working directory: a fresh temporary folder, removed at close."""

    # -- lifecycle -------------------------------------------------------------------------------------
    def __enter__(self) -> McpSession:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def start(self) -> None:
        """Start (or connect to) the server and complete the MCP handshake; McpServerError if it cannot."""
        transport = self._transport()  # a missing variable fails before anything starts
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(
            target=self._loop.run_forever, name=f"mcp-{self.server.name}", daemon=True
        )
        self._thread.start()
        ready: concurrent.futures.Future[None] = concurrent.futures.Future()
        self._hold = asyncio.run_coroutine_threadsafe(self._hold_open(transport, ready), self._loop)
        token = runtime.current().cancellation
        try:
            with token.on_cancel(ready.cancel):  # Stop during a slow start ends the wait at once
                ready.result(timeout=self.server.start_timeout)
        except concurrent.futures.CancelledError:
            self.close()
            raise RunCancelled(token.reason or "the run was stopped") from None
        except concurrent.futures.TimeoutError:
            self.close()
            raise McpServerError(
                f"{self.server.describe()} did not answer the MCP handshake within "
                f"{self.server.start_timeout:g} s{self._stderr_note()}"
            ) from None
        except Exception as exc:  # noqa: BLE001 - every way a start can fail becomes one sentence
            note = self._stderr_note()
            self.close()
            raise McpServerError(f"{self.server.describe()} {start_failure_reason(self.server, exc)}{note}") from None

    def close(self) -> None:
        """Stop the server (a stdio process is gone when this returns) and the session's loop."""
        loop, self._loop = self._loop, None
        if loop is None:
            return
        if self._hold is not None:
            if self._ready and self._closing is not None:
                loop.call_soon_threadsafe(self._closing.set)  # leave the client: the SDK stops the server
            else:
                self._hold.cancel()  # still in the handshake: cancel it (the SDK's shutdown is shielded)
            if not self._ended.wait(_CLOSE_TIMEOUT):
                logger.warning("%s did not stop within %s s; cancelling", self.server.describe(), _CLOSE_TIMEOUT)
                self._hold.cancel()
                self._ended.wait(_CLOSE_TIMEOUT)
        loop.call_soon_threadsafe(loop.stop)
        if self._thread is not None:
            self._thread.join(timeout=_CLOSE_TIMEOUT)
        loop.close()
        if self._stderr_file is not None:
            self._stderr_file.close()
        if self.work_dir is not None:
            shutil.rmtree(self.work_dir, ignore_errors=True)

    @property
    def running(self) -> bool:
        return self._ready and not self._lost and not self._ended.is_set()

    # -- requests --------------------------------------------------------------------------------------
    def tools(self) -> list[McpToolInfo]:
        """Every tool the server lists (all pages; asked once per session)."""
        if self._listed is None:
            self._listed = self._submit(self._list_tools(), self.server.start_timeout, what="listing its tools")
        return list(self._listed)

    def call(self, tool: str, arguments: dict[str, Any]) -> str:
        """The tool's result as text; McpToolError (a sentence naming server and tool) if it failed."""
        result = self._submit(self._call_tool(tool, arguments), self.server.timeout, what=f'the tool "{tool}"')
        text = result_text(result)
        if result.is_error:
            raise McpToolError(f'{self.server.describe()}: the tool "{tool}" reported an error: {text}')
        return text

    def _submit(self, coroutine: Any, timeout: float, what: str) -> Any:
        if self._loop is None or not self.running:
            coroutine.close()
            raise McpToolError(f"{self.server.describe()} is no longer running (it stopped during the run), "
                               f"so {what} cannot be called{self._stderr_note()}")
        future = asyncio.run_coroutine_threadsafe(coroutine, self._loop)
        token = runtime.current().cancellation
        with token.on_cancel(future.cancel):
            try:
                return future.result(timeout=timeout)
            except concurrent.futures.CancelledError:
                raise RunCancelled(token.reason or "the run was stopped") from None
            except concurrent.futures.TimeoutError:
                future.cancel()
                raise McpToolError(
                    f"{self.server.describe()}: {what} did not answer within {timeout:g} s"
                ) from None
            except McpToolError:
                raise
            except Exception as exc:  # noqa: BLE001 - a transport or protocol failure, phrased for a person
                if _connection_closed(exc):
                    self._lost = True
                if not self.running and isinstance(self.server, McpHttpServer):
                    raise McpToolError(
                        f"{self.server.describe()} stopped answering (the connection closed), so {what} "
                        "could not be called"
                    ) from None
                if not self.running:
                    raise McpToolError(
                        f"{self.server.describe()} stopped while {what} was running{self._stderr_note()}"
                    ) from None
                raise McpToolError(f"{self.server.describe()}: {what} failed: {_leaf(exc)}") from None

    # -- on the session's loop -------------------------------------------------------------------------
    async def _hold_open(self, transport: Any, ready: concurrent.futures.Future[None]) -> None:
        from mcp import Client

        self._closing = asyncio.Event()
        try:
            async with Client(transport, mode="auto") as client:
                self._client = client
                self._ready = True
                ready.set_result(None)
                await self._closing.wait()
        except BaseException as exc:
            if not ready.done():
                ready.set_exception(exc if isinstance(exc, Exception) else RuntimeError(str(exc)))
            elif not self._closing.is_set():
                logger.info("%s stopped: %s", self.server.describe(), _leaf(exc))
            if not isinstance(exc, Exception):
                raise
        finally:
            self._client = None
            self._ended.set()

    async def _list_tools(self) -> list[McpToolInfo]:
        tools: list[McpToolInfo] = []
        cursor: str | None = None
        while True:
            page = await self._client.list_tools(cursor=cursor)
            tools += [
                McpToolInfo(name=t.name, description=t.description or "", input_schema=dict(t.input_schema or {}))
                for t in page.tools
            ]
            cursor = page.next_cursor
            if not cursor:
                return tools

    async def _call_tool(self, tool: str, arguments: dict[str, Any]) -> Any:
        return await self._client.call_tool(tool, arguments)

    # -- transports ------------------------------------------------------------------------------------
    def _transport(self) -> Any:
        server = self.server
        if isinstance(server, McpStdioServer):
            from mcp.client.stdio import StdioServerParameters, stdio_client

            env = server.environment(self._environ)
            self.work_dir = Path(tempfile.mkdtemp(prefix=f"roundtable-mcp-{server.name}-"))
            self._stderr_file = tempfile.TemporaryFile(mode="w+", encoding="utf-8", errors="replace")  # noqa: SIM115
            params = StdioServerParameters(command=server.command, args=list(server.args), env=env, cwd=self.work_dir)
            return stdio_client(params, errlog=self._stderr_file)
        if isinstance(server, McpHttpServer):
            from mcp.shared._httpx_utils import create_mcp_http_client

            headers = server.header_values(self._environ)
            if server.transport == "sse":
                from mcp.client.sse import sse_client

                return sse_client(server.url, headers=headers)
            from mcp.client.streamable_http import streamable_http_client

            return streamable_http_client(server.url, http_client=create_mcp_http_client(headers=headers))
        raise TypeError(f"not an MCP server definition: {server!r}")

    def _stderr_note(self) -> str:
        """The end of what a stdio server wrote to stderr, for the error message (untrusted text)."""
        if self._stderr_file is None or self._stderr_file.closed:
            return ""
        try:
            self._stderr_file.flush()
            self._stderr_file.seek(0)
            text = self._stderr_file.read()[-2000:].strip()
        except (OSError, ValueError):
            return ""
        lines = [line for line in text.splitlines() if line.strip()][-8:]
        return f"; its last output: {' / '.join(lines)[-600:]}" if lines else ""


def _connection_closed(exc: BaseException) -> bool:
    from mcp.shared.exceptions import MCPError
    from mcp_types import CONNECTION_CLOSED

    return isinstance(exc, MCPError) and exc.code == CONNECTION_CLOSED


def _leaf(exc: BaseException) -> str:
    """The innermost meaningful message of an exception (the SDK wraps failures in exception groups)."""
    while isinstance(exc, BaseExceptionGroup) and exc.exceptions:
        exc = exc.exceptions[0]
    text = str(exc).strip()
    return text or type(exc).__name__
