"""A scripted chat-completions server on loopback: a deterministic model for tests, demos and benchmarks.

It speaks the OpenAI chat-completions protocol over real HTTP (plain and streamed), so litellm's real
code path runs in between. Replies come from per-model scripts (queues) or from a responder function:

    with ScriptedLLMServer() as server:
        server.script("writer", [say("Hello"), tool_call("add", {"a": 1, "b": 2}), fail(429), say("TERMINATE")])
        agent = AssistantAgent("writer", llm_config=server.llm_config("writer"))
"""

from __future__ import annotations

import contextlib
import json
import socket
import threading
import time
import uuid
from collections import defaultdict, deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass(frozen=True)
class Step:
    """One scripted answer: text, tool calls, an HTTP error, or a delay before answering.

    ``no_choices`` answers 200 with an empty ``choices`` list, as a misbehaving provider does.
    ``chunk_delay_s`` spaces a streamed answer's words, like a model writing.
    """

    content: str | None = None
    tool_calls: tuple[dict[str, Any], ...] = ()
    status: int = 200
    error: str = ""
    delay_s: float = 0.0
    no_choices: bool = False
    chunk_delay_s: float = 0.0


def say(content: str, delay_s: float = 0.0, chunk_delay_s: float = 0.0) -> Step:
    return Step(content=content, delay_s=delay_s, chunk_delay_s=chunk_delay_s)


def tool_call(name: str, arguments: dict[str, Any], call_id: str | None = None, content: str | None = None) -> Step:
    call = {"id": call_id or f"call_{uuid.uuid4().hex[:8]}", "type": "function",
            "function": {"name": name, "arguments": json.dumps(arguments)}}
    return Step(content=content, tool_calls=(call,))


def fail(status: int, message: str = "scripted failure") -> Step:
    return Step(status=status, error=message)


def no_choices() -> Step:
    """A 200 answer whose ``choices`` list is empty (plain) or whose chunks carry no choice (streamed)."""
    return Step(no_choices=True)


def hang(seconds: float) -> Step:
    """Answer only after ``seconds`` (long enough for the client to time out first)."""
    return Step(content="(too late)", delay_s=seconds)


Responder = Callable[[dict[str, Any]], Step]


@dataclass
class ScriptedLLMServer:
    """Serves scripted replies; ``requests`` records every request body received, in order,
    ``authorizations`` the ``Authorization`` header of each request that reached the server (None if absent),
    and ``timeline`` when each chat-completions request began and ended: ``("start", model)`` as it is
    read, ``("end", model)`` once its answer has been sent (so tests can tell calls that overlapped)."""

    default: Responder | None = None
    requests: list[dict[str, Any]] = field(default_factory=list)
    authorizations: list[str | None] = field(default_factory=list)
    timeline: list[tuple[str, str]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._scripts: dict[str, deque[Step]] = defaultdict(deque)
        self._responders: dict[str, Responder] = {}
        self._lock = threading.Lock()
        self._httpd: ThreadingHTTPServer | None = None

    # -- scripting -------------------------------------------------------------------------------------
    def script(self, model: str, steps: Iterable[Step | str]) -> None:
        """Queue replies for ``model`` (a plain string is a text reply)."""
        with self._lock:
            self._scripts[model].extend(say(s) if isinstance(s, str) else s for s in steps)

    def respond(self, model: str, responder: Responder) -> None:
        """Answer ``model`` with ``responder(request_body)`` once its script is used up."""
        self._responders[model] = responder

    def remaining(self, model: str) -> int:
        with self._lock:
            return len(self._scripts[model])

    def requests_for(self, model: str) -> list[dict[str, Any]]:
        return [r for r in self.requests if _model_name(r) == model]

    def _next_step(self, body: dict[str, Any]) -> Step:
        model = _model_name(body)
        with self._lock:
            self.requests.append(body)
            self.timeline.append(("start", model))
            if self._scripts[model]:
                return self._scripts[model].popleft()
        responder = self._responders.get(model) or self.default
        if responder is None:
            return fail(500, f"the script for model {model!r} is used up")
        return responder(body)

    # -- serving ---------------------------------------------------------------------------------------
    @property
    def port(self) -> int:
        assert self._httpd is not None, "start the server first"
        return self._httpd.server_address[1]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def llm_config(self, model: str = "scripted", **extra: Any) -> dict[str, Any]:
        """An llm_config that reaches this server through litellm's OpenAI-compatible path."""
        return {"model": f"openai/{model}", "api_base": self.url, "api_key": "sk-scripted", **extra}

    def start(self) -> ScriptedLLMServer:
        server = self

        class Handler(_Handler):
            scripted = server

        self._httpd = _ClosingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, name="scripted-llm", daemon=True).start()
        return self

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd.close_connections()
            self._httpd = None

    def __enter__(self) -> ScriptedLLMServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


class _ClosingHTTPServer(ThreadingHTTPServer):
    """Stopping also ends the kept-alive connections, as a server process that exits does (otherwise their
    handler threads would go on answering on a port the test thinks is closed)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._connections_lock:
            self._connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._connections_lock:
            self._connections.discard(request)
        super().shutdown_request(request)

    def close_connections(self) -> None:
        with self._connections_lock:
            open_now, self._connections = list(self._connections), set()
        for connection in open_now:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)


def _model_name(body: dict[str, Any]) -> str:
    model = str(body.get("model", ""))
    return model.split("/", 1)[1] if model.startswith("openai/") else model


def _words(messages: list[dict[str, Any]]) -> int:
    return sum(len(str(m.get("content") or "").split()) for m in messages)


class _Handler(BaseHTTPRequestHandler):
    scripted: ScriptedLLMServer
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out separately: don't wait for delayed ACKs

    def log_message(self, format: str, *args: Any) -> None:  # keep test output clean
        pass

    def do_POST(self) -> None:
        with self.scripted._lock:
            self.scripted.authorizations.append(self.headers.get("Authorization"))
        length = int(self.headers.get("Content-Length", 0))
        try:
            body = json.loads(self.rfile.read(length) or b"{}")
        except json.JSONDecodeError:
            self._send_json(400, {"error": {"message": "request body is not JSON", "type": "invalid_request_error"}})
            return
        if not self.path.rstrip("/").endswith("/chat/completions"):
            self._send_json(404, {"error": {"message": f"unknown path {self.path}", "type": "not_found"}})
            return
        step = self.scripted._next_step(body)
        if step.delay_s:
            time.sleep(step.delay_s)
        try:
            if step.status != 200:
                self._send_error(step)
            elif body.get("stream"):
                self._send_stream(body, step)
            else:
                self._send_json(200, _completion(body, step))
        except (BrokenPipeError, ConnectionResetError):  # the client gave up (timeout, stop)
            pass
        with self.scripted._lock:
            self.scripted.timeline.append(("end", _model_name(body)))

    def _send_error(self, step: Step) -> None:
        kinds = {401: "invalid_api_key", 404: "model_not_found", 429: "rate_limit_exceeded"}
        payload = {"error": {"message": step.error, "type": kinds.get(step.status, "server_error"), "code": kinds.get(step.status)}}
        self._send_json(step.status, payload)

    def _send_json(self, status: int, payload: dict[str, Any]) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _send_stream(self, body: dict[str, Any], step: Step) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Connection", "close")
        self.end_headers()
        base = {"id": f"chatcmpl-{uuid.uuid4().hex[:10]}", "object": "chat.completion.chunk", "created": int(time.time()), "model": body.get("model", "")}

        def emit(delta: dict[str, Any], finish: str | None = None, **extra: Any) -> None:
            choices = [] if step.no_choices else [{"index": 0, "delta": delta, "finish_reason": finish}]
            chunk = {**base, "choices": choices, **extra}
            self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
            self.wfile.flush()

        emit({"role": "assistant", "content": ""})
        text = step.content or ""
        pieces = [w + " " for w in text.split(" ")] if text else []
        if pieces:
            pieces[-1] = pieces[-1][:-1]
        for piece in pieces:
            emit({"content": piece})
            if step.chunk_delay_s:
                time.sleep(step.chunk_delay_s)
        for index, call in enumerate(step.tool_calls):
            emit({"tool_calls": [{"index": index, **call}]})
        emit({}, "tool_calls" if step.tool_calls else "stop")
        if (body.get("stream_options") or {}).get("include_usage"):
            usage = {"prompt_tokens": _words(body.get("messages", [])), "completion_tokens": len(text.split()),
                     "total_tokens": _words(body.get("messages", [])) + len(text.split())}
            self.wfile.write(f"data: {json.dumps({**base, 'choices': [], 'usage': usage})}\n\n".encode())
        self.wfile.write(b"data: [DONE]\n\n")
        self.wfile.flush()


def _completion(body: dict[str, Any], step: Step) -> dict[str, Any]:
    message: dict[str, Any] = {"role": "assistant", "content": step.content}
    if step.tool_calls:
        message["tool_calls"] = list(step.tool_calls)
    prompt = _words(body.get("messages", []))
    completion = len((step.content or "").split())
    return {
        "id": f"chatcmpl-{uuid.uuid4().hex[:10]}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": body.get("model", ""),
        "choices": [] if step.no_choices else [
            {"index": 0, "message": message, "finish_reason": "tool_calls" if step.tool_calls else "stop"}
        ],
        "usage": {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion},
    }
