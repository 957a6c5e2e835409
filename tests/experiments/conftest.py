"""Experiments on the scripted model: a "good" model that answers right, a "bad" one that answers
wrong, a "judge" that scores, and a stored two-agent team (asker -> solver) on a real SQLite file."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from components.llm.scripted import ScriptedLLMServer, Step, say
from storage import Database, open_database
from storage.designs import save_model
from storage.documents import AgentSpec, CodeExecutionSpec, ModelSpec, TeamDocument, TeamSpec
from studio.runs.engine import RunEngine
from tests.storage.helpers import store_document

ANSWERS = {"capital": "The capital of France is Paris.", "add": "4"}
CODE = "```python\nopen('result.txt', 'w').write('done')\nprint('wrote it')\n```"


def _task(body: dict) -> str:  # type: ignore[type-arg]
    users = [m for m in body["messages"] if m["role"] == "user"]
    return str(users[0]["content"]) if users else ""


def good(body: dict) -> Step:  # type: ignore[type-arg]
    """Answers right; for a "file" task writes code first, then ends once it ran."""
    task = _task(body)
    if "file" in task:
        ran = any("exitcode: 0" in str(m.get("content")) for m in body["messages"])
        return say("Done, the file is written. TERMINATE" if ran else CODE)
    return say(next((a for k, a in ANSWERS.items() if k in task), "I do not know.") + " TERMINATE")


def bad(body: dict) -> Step:  # type: ignore[type-arg]
    task = _task(body)
    if "file" in task:
        return say("```python\nraise SystemExit(3)\n```" if len(body["messages"]) < 4 else "Gave up. TERMINATE")
    return say("The capital of France is Lyon. TERMINATE" if "capital" in task else "5 TERMINATE")


def judge(body: dict) -> Step:  # type: ignore[type-arg]
    """Scores 9 when the judged answer names Paris, else 2 (it reads the quoted final answer)."""
    text = body["messages"][-1]["content"]
    answer = re.search(r"Final answer:\n<<<\n(.*?)\n>>>", text, re.DOTALL)
    right = answer is not None and "Paris" in answer.group(1)
    return say(json.dumps({"score": 9 if right else 2, "reason": "names Paris" if right else "wrong city"}))


@pytest.fixture
def scripted(llm: ScriptedLLMServer) -> ScriptedLLMServer:
    llm.respond("good", good)
    llm.respond("bad", bad)
    llm.respond("judge", judge)
    return llm


def team_document(api_base: str, *, code: bool = True) -> TeamDocument:
    return TeamDocument(
        team=TeamSpec(name="Solver", kind="two_agent", members=["asker", "solver"], initiator="asker", max_turns=3),
        agents=[
            AgentSpec(name="solver", kind="assistant", model="good"),
            AgentSpec(name="asker", kind="user_proxy", human_input_mode="NEVER",
                      termination={"mode": "endswith", "keyword": "TERMINATE"}, code_execution=CodeExecutionSpec(mode="local" if code else "none", timeout=30)),
        ],
        models=[model_spec("good", api_base)],
    )


def model_spec(name: str, api_base: str) -> ModelSpec:
    return ModelSpec(name=name, model=f"openai/{name}", api_base=api_base, stream=False, extra={"max_retries": 0})


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    database = open_database(f"sqlite:///{tmp_path / 'roundtable.db'}")
    yield database
    database.close()


@pytest.fixture
def stored(db: Database, scripted: ScriptedLLMServer) -> Database:
    """The team and the three models, stored."""
    store_document(db, team_document(scripted.url))
    for name in ("bad", "judge"):
        save_model(db, model_spec(name, scripted.url))
    return db


@pytest.fixture
def engine(db: Database, tmp_path: Path) -> Iterator[RunEngine]:
    engine = RunEngine(db, tmp_path / "data", input_timeout_s=30)
    yield engine
    engine.close()
