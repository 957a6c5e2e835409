"""``code_execution_config``: AutoGen's dict form, the ``CodeExecutionConfig`` class, and building executors.

``use_docker``: True means Docker (an error if no engine answers), False means local, a string names the
Docker image, and when it is not given Roundtable uses Docker where an engine answers and has the sandbox
image, else the local executor with a visible notice saying why (AutoGen would refuse to start; a newcomer
without Docker deserves better).
"""

from __future__ import annotations

import os
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from components import runtime
from components.coding.base import CodeExecutor
from components.events import Notice

_DICT_KEYS = {
    "work_dir", "use_docker", "timeout", "last_n_messages", "executor", "image", "docker", "memory_mb",
    "commandline-local", "commandline-docker",
}
_TRUE = {"1", "true", "yes", "t"}
_FALSE = {"0", "false", "no", "f"}
_NO_ENGINE = "Docker is not available"


def decide_use_docker(use_docker: bool | str | None) -> bool | str | None:
    """The explicit setting, else the ``AUTOGEN_USE_DOCKER`` environment variable, else None (= auto)."""
    if use_docker is not None:
        return use_docker
    env = os.environ.get("AUTOGEN_USE_DOCKER")
    if env is None:
        return None
    value = env.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    if value == "none":
        return None
    raise ValueError(
        f'Invalid value for AUTOGEN_USE_DOCKER: {env!r}; use one of "True", "False", "1", "0", "yes", "no", "none"'
    )


@dataclass
class CodeExecutionConfig:
    """How an agent runs the code it receives (the seed article's ``CodeExecutionConfig``)."""

    work_dir: str = "coding"
    timeout: int = 60
    last_n_messages: int | Literal["auto"] = "auto"
    use_docker: bool | str | None = None
    executor: CodeExecutor | str | None = None
    image: str | None = None
    docker: dict[str, Any] = field(default_factory=dict)  # DockerCommandLineCodeExecutor options
    memory_mb: int | None = 2048  # address-space limit of the local executor
    executor_options: dict[str, dict[str, Any]] = field(default_factory=dict)  # AutoGen's "commandline-local": {...}

    def __post_init__(self) -> None:
        if self.last_n_messages != "auto" and (not isinstance(self.last_n_messages, int) or self.last_n_messages < 0):
            raise ValueError(f"last_n_messages must be 'auto' or a non-negative int, got {self.last_n_messages!r}")
        if not isinstance(self.timeout, (int, float)) or self.timeout < 1:
            raise ValueError(f"timeout must be a number of seconds >= 1, got {self.timeout!r}")
        if isinstance(self.executor, str) and self.executor not in ("local", "commandline-local", "docker", "commandline-docker"):
            raise ValueError(f"executor must be a CodeExecutor, 'local' or 'docker'; got {self.executor!r}")
        self.use_docker = decide_use_docker(self.use_docker)
        if self.use_docker is True or isinstance(self.use_docker, str) or self.executor in ("docker", "commandline-docker"):
            _require_docker()

    @classmethod
    def from_dict(cls, config: dict[str, Any]) -> CodeExecutionConfig:
        unknown = set(config) - _DICT_KEYS
        if unknown:
            raise ValueError(
                f"code_execution_config has unknown keys {sorted(unknown)}; allowed: {sorted(_DICT_KEYS)}"
            )
        if "executor" in config and {"use_docker", "work_dir", "timeout"} & set(config):
            raise ValueError(
                "code_execution_config: 'executor' cannot be combined with use_docker, work_dir or timeout; "
                "configure those on the executor itself"
            )
        options = {k: dict(config.pop(k)) for k in ("commandline-local", "commandline-docker") if k in config}
        return cls(**config, executor_options=options)

    def uses_docker(self) -> bool:
        if isinstance(self.executor, CodeExecutor):
            return getattr(self.executor, "kind", "") == "docker"
        if self.executor in ("docker", "commandline-docker") or self.use_docker is True or isinstance(self.use_docker, str):
            return True
        if self.executor in ("local", "commandline-local") or self.use_docker is False:
            return False
        return _docker_answers(self.image or self.docker.get("image")) is None

    def build_executor(self) -> CodeExecutor:
        if isinstance(self.executor, CodeExecutor):
            return self.executor
        if self.executor_options and self.executor in ("commandline-local", "commandline-docker"):
            from components.coding.factory import CodeExecutorFactory

            return CodeExecutorFactory.create({"executor": self.executor, **self.executor_options})
        # the legacy form creates the work dir with its parents (AutoGen's execute_code does too)
        Path(self.work_dir).mkdir(parents=True, exist_ok=True)
        automatic = self.use_docker is None and self.executor is None  # then Docker is asked, once
        why_not = _docker_answers(self.image or self.docker.get("image")) if automatic else None
        if why_not is None and (automatic or self.uses_docker()):
            from components.coding.docker_executor import DockerCommandLineCodeExecutor

            image = self.use_docker if isinstance(self.use_docker, str) else self.image
            options = dict(self.docker)
            if image:
                options["image"] = image
            return DockerCommandLineCodeExecutor(work_dir=self.work_dir, timeout=int(self.timeout), **options)
        from components.coding.local import LocalCommandLineCodeExecutor

        if automatic and why_not:
            advice = (
                "Start Docker (or set use_docker=False to silence this notice)." if why_not == _NO_ENGINE
                else "Set use_docker=False to silence this notice."
            )
            reason = why_not[0].upper() + why_not[1:]
            message = f"{reason}, so code runs on this machine WITHOUT a sandbox. {advice}"
            warnings.warn(message, RuntimeWarning, stacklevel=2)
            runtime.emit(Notice(message=message))
        return LocalCommandLineCodeExecutor(work_dir=self.work_dir, timeout=int(self.timeout), memory_limit_mb=self.memory_mb)


def normalize_code_execution_config(config: Any) -> CodeExecutionConfig | Literal[False]:
    """AutoGen's rules: False -> no execution; None -> {} with a deprecation warning; dict -> copied."""
    if config is False:
        return False
    if config is None:
        warnings.warn(
            "code_execution_config=None is deprecated: pass False to disable code execution or a dict to enable it",
            DeprecationWarning, stacklevel=3,
        )
        config = {}
    if isinstance(config, CodeExecutionConfig):
        return config
    if not isinstance(config, dict):
        raise ValueError(
            "code_execution_config must be a dict, a CodeExecutionConfig or False; got "
            f"{type(config).__name__}"
        )
    return CodeExecutionConfig.from_dict(dict(config))


def _docker_answers(image: str | None = None) -> str | None:
    """None when the automatic choice can use Docker, else why not (for the notice).

    Docker is usable when the engine answers and ``image`` (default: the sandbox image) is already on
    this machine; a pull at the first code block could take minutes, or fail offline.
    """
    from components.coding.docker_engine import default_image, docker_engine_status, sandbox_image_present

    if not docker_engine_status()[0]:
        return _NO_ENGINE
    image = image or default_image()
    if not sandbox_image_present(image):
        return (
            f"the sandbox image {image} is not on this machine (docker pull {image}, or run "
            "scripts/build_sandbox_image.sh and set ROUNDTABLE_SANDBOX_IMAGE)"
        )
    return None


def _require_docker() -> None:
    from components.coding.docker_engine import docker_engine_status

    ok, message = docker_engine_status()
    if not ok:
        raise RuntimeError(
            f"Code execution is set to run in Docker, but {message}. Or set use_docker=False to run code "
            "locally (not sandboxed)."
        )
