"""What an MCP tool source costs a run: starting the server (process start and handshake), one tool call
through the session's loop, and stopping it (the process is gone when ``close`` returns).

Servers: ``mcp-server-time`` (PyPI) and the tests' own server (``tests/support/mcp_server.py``) over
stdio, and the tests' server over streamable HTTP on loopback. Median and 90th percentile of ``--runs``
starts and of ``--calls`` calls per server, after one warm-up start.

    PYTHONPATH=. python benchmarks/mcp_tools.py [--runs 5] [--calls 50]
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from typing import Any

from components.mcp import McpServer, McpSession
from tests.support.mcp_helpers import http_server, http_test_server, stdio_test_server, time_server


def _quantiles(values: list[float]) -> str:
    ordered = sorted(values)
    p90 = ordered[min(len(ordered) - 1, round(0.9 * (len(ordered) - 1)))]
    return f"{statistics.median(ordered) * 1000:8.0f} / {p90 * 1000:6.0f}"


def measure(label: str, server: McpServer, call: tuple[str, dict[str, Any]], runs: int, calls: int) -> str:
    starts, stops, times = [], [], []
    McpSession(server).__enter__().close()  # warm-up: imports, the interpreter's caches
    for _ in range(runs):
        session = McpSession(server)
        began = time.perf_counter()
        session.start()
        starts.append(time.perf_counter() - began)
        for _ in range(calls // runs):
            began = time.perf_counter()
            session.call(*call)
            times.append(time.perf_counter() - began)
        began = time.perf_counter()
        session.close()
        stops.append(time.perf_counter() - began)
    return f"| {label:<40} | {_quantiles(starts)} | {_quantiles(times)} | {_quantiles(stops)} |"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--calls", type=int, default=50)
    args = parser.parse_args()
    rows: list[Callable[[], str]] = [
        lambda: measure("mcp-server-time, stdio", time_server(), ("get_current_time", {"timezone": "UTC"}),
                        args.runs, args.calls),
        lambda: measure("test server, stdio", stdio_test_server(), ("add", {"a": 1, "b": 2}), args.runs, args.calls),
    ]
    print(f"| {'server':<40} | start median / p90 ms | call median / p90 ms | stop median / p90 ms |")
    print(f"|{'-' * 42}|-----------------------|----------------------|----------------------|")
    for row in rows:
        print(row(), flush=True)
    with http_test_server() as url:
        print(measure("test server, streamable HTTP (loopback)", http_server(url), ("add", {"a": 1, "b": 2}),
                      args.runs, args.calls), flush=True)


if __name__ == "__main__":
    main()
