"""Sample designs shared by the storage tests."""

from __future__ import annotations

from storage import Database
from storage.designs import save_agent, save_model, save_team, save_tool
from storage.documents import AgentSpec, ModelSpec, TeamDocument, TeamSpec, ToolSpec

ADD_SOURCE = "def add(a: int, b: int) -> int:\n    return a + b\n"


def sample_document(team: str = "Research") -> TeamDocument:
    """A group chat of three agents, two model configs (one for the manager) and a tool."""
    return TeamDocument(
        team=TeamSpec(
            name=team,
            members=["user", "coder", "critic"],
            initiator="user",
            manager_model="judge",
            transitions={
                "type": "allowed",
                "edges": {"user": ["coder"], "coder": ["critic", "user"], "critic": []},
            },
            max_round=6,
        ),
        agents=[
            AgentSpec(name="user", kind="user_proxy", code_execution={"mode": "local", "timeout": 30}),
            AgentSpec(name="coder", model="gpt", tools=["add"], system_message="You write Python."),
            AgentSpec(name="critic", model="gpt", termination={"mode": "endswith", "keyword": "DONE"}),
        ],
        models=[
            ModelSpec(name="gpt", model="gpt-4o-mini", api_key_env="OPENAI_API_KEY", temperature=0.2),
            ModelSpec(name="judge", model="ollama/llama3", api_base="http://127.0.0.1:11434"),
        ],
        tools=[ToolSpec(name="add", description="Add two numbers.", source=ADD_SOURCE)],
    )


def store_document(db: Database, document: TeamDocument) -> None:
    """Save a document's items one by one, through the CRUD API."""
    for model in document.models:
        save_model(db, model)
    for tool in document.tools:
        save_tool(db, tool)
    for agent in document.agents:
        save_agent(db, agent)
    save_team(db, document.team)
