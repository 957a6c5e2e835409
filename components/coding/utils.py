"""AutoGen's code helpers (``autogen.code_utils``): run one piece of code, virtual envs, Docker checks."""

from __future__ import annotations

import hashlib
import os
import venv
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from components.coding.base import EXTENSIONS, TIMEOUT_MESSAGE, canonical_language
from components.coding.config import CodeExecutionConfig

DEFAULT_TIMEOUT = 600
_UNSET: Any = object()


def is_docker_running() -> bool:
    """True when a Docker engine answers (False also when the docker SDK is not installed)."""
    from components.coding.docker_engine import docker_engine_status

    return bool(docker_engine_status()[0])


def in_docker_container() -> bool:
    """True when this process itself runs in a Docker container."""
    return os.path.exists("/.dockerenv")


def create_virtual_env(dir_path: str, **env_args: Any) -> SimpleNamespace:
    """Create a Python virtual environment (with pip unless told otherwise); returns its context, which
    ``LocalCommandLineCodeExecutor(virtual_env_context=...)`` takes."""
    builder = venv.EnvBuilder(**(env_args or {"with_pip": True}))
    builder.create(dir_path)
    return builder.ensure_directories(dir_path)


def execute_code(
    code: str | None = None,
    timeout: int | None = None,
    filename: str | None = None,
    work_dir: str | None = None,
    use_docker: bool | str | None = _UNSET,
    lang: str | None = "python",
) -> tuple[int, str, str | None]:
    """Run ``code`` (or the file ``filename`` in ``work_dir``) once; returns (exit code, output, image).

    AutoGen's legacy helper, on Roundtable's executors: ``use_docker`` follows ``code_execution_config``
    (unset: ``AUTOGEN_USE_DOCKER``, else Docker where it answers); a timeout gives ``(1, "Timeout", None)``;
    a file made up for ``code`` is removed afterwards.
    """
    if code is None and filename is None:
        raise AssertionError(f"Either code={code!r} or filename={filename!r} must be provided.")
    language = canonical_language(lang or "python")
    if language is None:
        return 1, f"unknown language {lang}", None
    settings = CodeExecutionConfig(
        work_dir=work_dir or "coding", timeout=int(timeout or DEFAULT_TIMEOUT),
        use_docker=None if use_docker is _UNSET else use_docker,
    )
    executor = settings.build_executor()
    try:
        made_up = filename is None
        name = filename or f"tmp_code_{hashlib.md5(str(code).encode()).hexdigest()}.{EXTENSIONS.get(language, language)}"
        path = (Path(executor._root) / name).resolve()
        if not path.is_relative_to(executor._root):
            return 1, "Filename is not in the workspace", None
        if code is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(code, encoding="utf-8")
        if language not in executor.commands:
            return 1, f"{language} cannot run in this {executor.kind} executor", None
        outcome = executor._run_command([*executor.commands[language], path.relative_to(executor._root).as_posix()], executor.timeout)
        if made_up:
            path.unlink(missing_ok=True)
        if outcome.timed_out:
            return 1, TIMEOUT_MESSAGE, None
        return outcome.exit_code, outcome.output, getattr(executor, "image", None)
    finally:
        executor.close()
