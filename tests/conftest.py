"""Shared fixtures: a scripted chat-completions server on loopback, an event recorder, and one model folder
for the whole session (tests give each studio its own data dir; the default local model's 478 MB file is
assembled there once, not once per test; the tests of the assembly itself use folders of their own)."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

from components.events import Event  # noqa: E402
from components.llm.scripted import ScriptedLLMServer  # noqa: E402
from components.runtime import CancellationToken, EventBus, RunContext, run_context  # noqa: E402


@pytest.fixture(scope="session", autouse=True)
def shared_model_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """ROUNDTABLE_MODEL_DIR for the session (inherited by the studios and workers tests start), unless set."""
    if os.environ.get("ROUNDTABLE_MODEL_DIR"):
        yield
        return
    os.environ["ROUNDTABLE_MODEL_DIR"] = str(tmp_path_factory.mktemp("models"))
    try:
        yield
    finally:
        os.environ.pop("ROUNDTABLE_MODEL_DIR", None)


@pytest.fixture
def llm() -> Iterator[ScriptedLLMServer]:
    """A real HTTP server speaking chat-completions; litellm reaches it through its OpenAI path."""
    with ScriptedLLMServer() as server:
        yield server


class Recorder:
    """Collects every event a run publishes; ``answers`` feeds human-input requests in order."""

    def __init__(self) -> None:
        self.events: list[Event] = []
        self.answers: list[str] = []
        self.prompts: list[str] = []
        self.bus = EventBus()
        self.bus.subscribe(self.events.append)
        self.cancellation = CancellationToken()

    def input_fn(self, request) -> str:  # type: ignore[no-untyped-def]
        self.prompts.append(request.prompt)
        if not self.answers:
            raise AssertionError(f"unexpected request for human input: {request.prompt!r}")
        return self.answers.pop(0)

    def of(self, kind: str) -> list[Event]:
        return [e for e in self.events if e.kind == kind]

    @property
    def kinds(self) -> list[str]:
        return [e.kind for e in self.events]


@pytest.fixture
def recorder() -> Iterator[Recorder]:
    rec = Recorder()
    with run_context(bus=rec.bus, cancellation=rec.cancellation, input_fn=rec.input_fn):
        yield rec


@pytest.fixture
def in_tmp(tmp_path, monkeypatch):  # type: ignore[no-untyped-def]
    """Run in a fresh directory so work dirs such as "coding" land in tmp."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


__all__ = ["Recorder", "RunContext"]
