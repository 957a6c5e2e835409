"""Runs code as a subprocess on this machine.

This is NOT a security sandbox: the code runs with your user's rights and can read and change anything
you can. Use it for trusted code; use ``DockerCommandLineCodeExecutor`` for code an LLM wrote.
What it does guarantee: the ``# filename:`` rule keeps files in the work dir, a block that runs past
the timeout is killed with its whole process group, a stop request kills it at once, and an address-space
limit turns runaway allocation into a MemoryError instead of a frozen machine, and a block that prints
more than the output limit (``max_output_bytes``, default ``$ROUNDTABLE_CODE_OUTPUT_LIMIT`` or 10 MiB) is
killed: its output goes through pipes, never to an uncapped file.
"""

from __future__ import annotations

import os
import re
import selectors
import shutil
import signal
import subprocess
import sys
import time
import warnings
from pathlib import Path
from types import SimpleNamespace

from components import runtime
from components.coding.base import (
    MAX_OUTPUT_CHARS,
    CodeBlock,
    CodeExecutor,
    CodeResult,
    CommandOutcome,
    OutputBuffer,
    canonical_language,
    output_flood_note,
)
from components.coding.functions import UserFunction
from components.coding.user_functions import UserFunctionsMixin

_DANGEROUS_SHELL = [
    (r"\brm\s+-rf\b", "Use of 'rm -rf' command is not allowed."),
    (r"\bmv\b.*?\s+/dev/null", "Moving files to /dev/null is not allowed."),
    (r"\bdd\b", "Use of 'dd' command is not allowed."),
    (r">\s*/dev/sd[a-z][1-9]?", "Overwriting disk blocks directly is not allowed."),
    (r":\(\)\{\s*:\|\:&\s*\};:", "Fork bombs are not allowed."),
]


def sanitize_command(lang: str, code: str) -> None:
    """Raise ValueError for shell commands AutoGen refuses to run locally."""
    if canonical_language(lang) != "sh":
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


class LocalCommandLineCodeExecutor(UserFunctionsMixin, CodeExecutor):
    """AutoGen's local executor. ``work_dir`` is kept as given (its parent must exist, as in AutoGen);
    javascript, html and css blocks are saved, not run, unless ``execution_policies`` says otherwise;
    ``virtual_env_context`` (from ``create_virtual_env``) runs python and pip in that environment."""

    kind = "local"
    DEFAULT_EXECUTION_POLICY = {**CodeExecutor.DEFAULT_EXECUTION_POLICY, "javascript": False}

    def __init__(
        self,
        timeout: int = 60,
        virtual_env_context: SimpleNamespace | None = None,
        work_dir: str | Path = ".",
        functions: list[UserFunction] | None = None,
        functions_module: str = "functions",
        execution_policies: dict[str, bool] | None = None,
        memory_limit_mb: int | None = 2048,
        max_output_bytes: int | None = None,
    ) -> None:
        given = Path(work_dir)
        if not given.resolve().parent.is_dir():
            raise FileNotFoundError(
                f"work_dir {str(work_dir)!r}: its parent folder does not exist; create it first (AutoGen does not)"
            )
        super().__init__(
            work_dir=given, timeout=timeout, max_output_bytes=max_output_bytes, execution_policies=execution_policies
        )
        self.work_dir = given
        self.memory_limit_mb = memory_limit_mb
        self.virtual_env_context = virtual_env_context
        self.commands = _local_commands()
        if virtual_env_context is not None:
            self.commands["python"] = [str(virtual_env_context.env_exe), "-u"]
        self._init_functions(functions, functions_module)

    sanitize_command = staticmethod(sanitize_command)

    def _reported_code_file(self, rel_file: str) -> str:
        return str(self._root / rel_file)  # AutoGen's CodeResult.code_file is the absolute path

    def restart(self) -> None:
        """AutoGen: a local executor cannot restart; say so instead of pretending."""
        warnings.warn("Restarting local command line code executor is not supported. No action is taken.", stacklevel=2)

    def execute_block(self, block: CodeBlock) -> CodeResult:
        try:
            self.sanitize_command(block.language, block.code)
        except ValueError as exc:
            return CodeResult(exit_code=1, output=str(exc))
        return super().execute_block(block)

    def _environment(self) -> dict[str, str]:
        env = {**os.environ, "MPLBACKEND": "Agg", "PYTHONUNBUFFERED": "1"}
        if self.virtual_env_context is not None:
            env["PATH"] = os.path.abspath(self.virtual_env_context.bin_path) + os.pathsep + env.get("PATH", "")
            env["VIRTUAL_ENV"] = os.path.abspath(self.virtual_env_context.env_dir)
        return env

    def _run_command(self, argv: list[str], timeout: int) -> CommandOutcome:
        token = runtime.current().cancellation
        token.raise_if_cancelled()
        env = self._environment()
        proc = subprocess.Popen(
            argv, cwd=self._root, stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL,
            env=env, start_new_session=True,
        )
        self._limit_memory(proc.pid)
        with token.on_cancel(lambda: _kill_group(proc)):
            capture = _Capture(proc, self.max_output_bytes)
            timed_out, flooded = capture.run(time.monotonic() + timeout, token)
        _kill_group(proc)  # children left in the background die with the block
        proc.wait()
        token.raise_if_cancelled()
        output = capture.output()
        note = ""
        if flooded:
            note = output_flood_note(self.max_output_bytes)
        elif proc.returncode == -signal.SIGKILL and not timed_out:
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


class _Capture:
    """Reads a block's stdout and stderr through pipes as they come (nothing is spooled to disk), keeps
    the first part of each, and kills the block once it has printed more than ``limit`` bytes."""

    _GRACE_S = 0.5  # after the block ends: how long to collect what is still in the pipes

    def __init__(self, proc: subprocess.Popen[bytes], limit: int) -> None:
        self.proc = proc
        self.limit = limit
        self.total = 0
        self.stdout = OutputBuffer(MAX_OUTPUT_CHARS // 2)
        self.stderr = OutputBuffer(MAX_OUTPUT_CHARS // 2)

    def run(self, deadline: float, token: runtime.CancellationToken) -> tuple[bool, bool]:
        """Read until both pipes close; returns (timed out, killed for printing too much)."""
        selector = selectors.DefaultSelector()
        assert self.proc.stdout is not None and self.proc.stderr is not None
        selector.register(self.proc.stdout, selectors.EVENT_READ, self.stdout)
        selector.register(self.proc.stderr, selectors.EVENT_READ, self.stderr)
        ended_at: float | None = None
        try:
            while selector.get_map():
                now = time.monotonic()
                if ended_at is None and self.proc.poll() is not None:
                    ended_at = now
                    _kill_group(self.proc)  # a background child holding the pipes dies with the block
                if ended_at is not None and now - ended_at > self._GRACE_S:
                    break  # something outside the group still holds a pipe: do not wait for it
                if ended_at is None and now >= deadline:
                    _kill_group(self.proc)
                    return True, False
                if token.cancelled:
                    return False, False
                for key, _ in selector.select(timeout=0.05):
                    chunk = os.read(key.fd, 65536)
                    if not chunk:
                        selector.unregister(key.fileobj)
                        continue
                    self.total += key.data.add(chunk)
                    if self.total > self.limit:
                        _kill_group(self.proc)
                        return False, True
            return False, False
        finally:
            selector.close()
            self.proc.stdout.close()
            self.proc.stderr.close()

    def output(self) -> str:
        """stderr then stdout, as AutoGen reports it."""
        return self.stderr.text() + self.stdout.text()


def _exit_code(returncode: int) -> int:
    """Shell convention: a process killed by signal N reports 128 + N."""
    return 128 - returncode if returncode < 0 else returncode
