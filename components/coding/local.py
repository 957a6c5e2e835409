"""Runs code as a subprocess on this machine.

This is NOT a security sandbox: the code runs with your user's rights and can read and change anything
you can. Use it for trusted code; use ``DockerCommandLineCodeExecutor`` for code an LLM wrote.
What it does guarantee: the ``# filename:`` rule keeps files in the work dir, a block that runs past
the timeout is killed with its whole process group, a stop request kills it at once, and an address-space
limit turns runaway allocation into a MemoryError instead of a frozen machine.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

from components import runtime
from components.coding.base import (
    MAX_OUTPUT_CHARS,
    CodeBlock,
    CodeExecutor,
    CodeResult,
    CommandOutcome,
    canonical_language,
)

_DANGEROUS_SHELL = [
    (r"\brm\s+-rf\b", "Use of 'rm -rf' command is not allowed."),
    (r"\bmv\b.*?\s+/dev/null", "Moving files to /dev/null is not allowed."),
    (r"\bdd\b", "Use of 'dd' command is not allowed."),
    (r">\s*/dev/sd[a-z][1-9]?", "Overwriting disk blocks directly is not allowed."),
    (r":\(\)\{\s*:\|\:&\s*\};:", "Fork bombs are not allowed."),
]


def sanitize_command(language: str, code: str) -> None:
    """Raise ValueError for shell commands AutoGen refuses to run locally."""
    if canonical_language(language) != "sh":
        return
    for pattern, message in _DANGEROUS_SHELL:
        if re.search(pattern, code):
            raise ValueError(f"Potentially dangerous command detected: {message}")


def _local_commands() -> dict[str, list[str]]:
    commands = {"python": [sys.executable, "-u"], "sh": ["sh"]}
    if shutil.which("bash"):
        commands["sh"] = ["bash"]
    if shutil.which("node"):
        commands["javascript"] = ["node"]
    if shutil.which("pwsh"):
        commands["pwsh"] = ["pwsh", "-File"]
    return commands


class LocalCommandLineCodeExecutor(CodeExecutor):
    kind = "local"

    def __init__(
        self,
        timeout: int = 60,
        work_dir: str | Path = ".",
        memory_limit_mb: int | None = 2048,
    ) -> None:
        super().__init__(work_dir=work_dir, timeout=timeout)
        self.memory_limit_mb = memory_limit_mb
        self.commands = _local_commands()

    def execute_block(self, block: CodeBlock) -> CodeResult:
        try:
            sanitize_command(block.language, block.code)
        except ValueError as exc:
            return CodeResult(exit_code=1, output=str(exc))
        return super().execute_block(block)

    def _run_command(self, argv: list[str], timeout: int) -> CommandOutcome:
        token = runtime.current().cancellation
        token.raise_if_cancelled()
        env = {**os.environ, "MPLBACKEND": "Agg", "PYTHONUNBUFFERED": "1"}
        with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
            proc = subprocess.Popen(
                argv, cwd=self.work_dir, stdout=out, stderr=err, stdin=subprocess.DEVNULL,
                env=env, start_new_session=True,
            )
            self._limit_memory(proc.pid)
            timed_out = False
            with token.on_cancel(lambda: _kill_group(proc)):
                try:
                    proc.wait(timeout=timeout)
                except subprocess.TimeoutExpired:
                    timed_out = True
                    _kill_group(proc)
                    proc.wait()
            _kill_group(proc)  # children left in the background die with the block
            token.raise_if_cancelled()
            output = _read(err, MAX_OUTPUT_CHARS // 2) + _read(out, MAX_OUTPUT_CHARS // 2)
        note = ""
        if proc.returncode == -signal.SIGKILL and not timed_out:
            note = "Killed (out of memory or stopped)"
        elif "MemoryError" in output and self.memory_limit_mb:
            note = f"Out of memory: the code tried to use more than the {self.memory_limit_mb} MB limit."
        return CommandOutcome(exit_code=_exit_code(proc.returncode), output=output, timed_out=timed_out, note=note)

    def _limit_memory(self, pid: int) -> None:
        if not self.memory_limit_mb:
            return
        try:
            import resource

            limit = self.memory_limit_mb * 1024 * 1024
            resource.prlimit(pid, resource.RLIMIT_AS, (limit, limit))
        except (ImportError, OSError, ValueError):  # not Linux, or the process already exited
            pass


def _kill_group(proc: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def _read(f, limit: int = MAX_OUTPUT_CHARS) -> str:  # type: ignore[no-untyped-def]
    """At most ``limit`` bytes of a captured stream: a block may print gigabytes before its timeout."""
    size = f.seek(0, os.SEEK_END)
    f.seek(0)
    text = f.read(limit).decode("utf-8", errors="replace")
    return text if size <= limit else text + f"\n[output truncated: {size - limit} more bytes]\n"


def _exit_code(returncode: int) -> int:
    """Shell convention: a process killed by signal N reports 128 + N."""
    return 128 - returncode if returncode < 0 else returncode
