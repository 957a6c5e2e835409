"""AutoGen's ``CodeExecutorFactory``: an executor from a ``code_execution_config`` with an "executor" key."""

from __future__ import annotations

from typing import Any

from components.coding.base import CodeExecutor


class CodeExecutorFactory:
    @staticmethod
    def create(code_execution_config: dict[str, Any]) -> Any:
        """``{"executor": <CodeExecutor>}`` returns it; ``"commandline-local"`` / ``"commandline-docker"``
        (also ``"local"`` / ``"docker"``) build one from the options under the same key."""
        executor = code_execution_config.get("executor")
        if isinstance(executor, CodeExecutor):
            return executor
        if executor in ("commandline-local", "local"):
            from components.coding.local import LocalCommandLineCodeExecutor

            return LocalCommandLineCodeExecutor(**code_execution_config.get("commandline-local", {}))
        if executor in ("commandline-docker", "docker"):
            from components.coding.docker_executor import DockerCommandLineCodeExecutor

            return DockerCommandLineCodeExecutor(**code_execution_config.get("commandline-docker", {}))
        raise ValueError(
            f"Unknown code executor {executor!r}: use a CodeExecutor object, 'commandline-local' or 'commandline-docker'"
        )
