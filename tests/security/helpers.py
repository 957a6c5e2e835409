"""Team documents shared by the hostile-input tests."""

from __future__ import annotations

from storage.documents import AgentSpec, CodeExecutionSpec, ModelSpec, TeamDocument, TeamSpec


def docker_team(api_base: str, image: str) -> TeamDocument:
    """A coder on the scripted server and an executor that runs its code in Docker on ``image``."""
    return TeamDocument(
        team=TeamSpec(name="Docker coder", kind="two_agent", members=["executor", "coder"], initiator="executor"),
        agents=[
            AgentSpec(name="coder", kind="assistant", model="Scripted"),
            AgentSpec(name="executor", kind="user_proxy", human_input_mode="NEVER",
                      code_execution=CodeExecutionSpec(mode="docker", image=image, timeout=600)),
        ],
        models=[ModelSpec(name="Scripted", model="openai/writer", api_base=api_base, extra={"max_retries": 0})],
    )
