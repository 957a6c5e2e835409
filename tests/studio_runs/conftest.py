"""A real SQLite database in a temp dir, a run engine on it, and team documents on the scripted server."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from storage import Database, open_database
from storage.documents import AgentSpec, CodeExecutionSpec, ModelSpec, TeamDocument, TeamSpec
from studio.runs.engine import RunEngine


@pytest.fixture
def db(tmp_path) -> Iterator[Database]:  # type: ignore[no-untyped-def]
    database = open_database(f"sqlite:///{tmp_path / 'roundtable.db'}")
    yield database
    database.close()


@pytest.fixture
def engine(db, tmp_path) -> Iterator[RunEngine]:  # type: ignore[no-untyped-def]
    engine = RunEngine(db, tmp_path / "data", input_timeout_s=30)
    yield engine
    engine.close()


def coder_team(api_base: str, *, executor_mode: str = "NEVER", model: str = "writer", stream: bool = False,
               timeout: float | None = None) -> TeamDocument:
    """Coder (LLM) + executor (user proxy that runs code locally): the gallery's basic shape."""
    return TeamDocument(
        team=TeamSpec(name="Coder + Executor", kind="two_agent", members=["executor", "coder"], initiator="executor"),
        agents=[
            AgentSpec(name="coder", kind="assistant", model="Scripted"),
            AgentSpec(name="executor", kind="user_proxy", human_input_mode=executor_mode,
                      code_execution=CodeExecutionSpec(mode="local", timeout=30)),
        ],
        models=[ModelSpec(name="Scripted", model=f"openai/{model}", api_base=api_base, stream=stream, timeout=timeout,
                          extra={"max_retries": 0})],
    )
