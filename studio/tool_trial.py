"""Trying a tool from the Tools page, out of the studio's process.

The code runs in a child Python (``studio.tool_trial_child``) that gets none of the studio's environment
(no API keys, tokens or database URL: only ``PATH``, a locale, and ``PYTHONPATH`` to find Roundtable),
works in a fresh temporary folder that is also its ``HOME`` and is removed afterwards, is killed (its
whole process group) after a timeout, and is killed as soon as it prints more than a cap. What it can
still do is what your user can: see docs/security.md.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
TIMEOUT = 10.0
OUTPUT_LIMIT = 20_000
"""Characters of printed output kept; a tool printing more is stopped there."""


@dataclass(frozen=True)
class TrialResult:
    ok: bool
    text: str
    """The result the model would read, or a sentence saying why there is none."""
    output: str = ""
    """What the tool printed."""


def scrubbed_environment(home: Path) -> dict[str, str]:
    """The child's whole environment: nothing of the studio's but ``PATH``."""
    return {
        "PATH": os.environ.get("PATH", os.defpath), "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8",
        "HOME": str(home), "TMPDIR": str(home), "PYTHONPATH": str(ROOT), "PYTHONIOENCODING": "utf-8",
        "PYTHONDONTWRITEBYTECODE": "1", "PYTHONUNBUFFERED": "1",
    }


def parse_arguments(text: str) -> dict[str, Any] | str:
    """The typed arguments as a dict, or a sentence saying what is wrong with them."""
    try:
        parsed = json.loads(text or "{}")
    except json.JSONDecodeError as error:
        return f"The arguments are not JSON: {error.msg} at line {error.lineno}, column {error.colno}."
    if not isinstance(parsed, dict):
        return 'The arguments must be a JSON object, such as {"text": "hello"}.'
    return parsed


def try_tool(source: str, name: str, description: str, arguments: dict[str, Any], *,
             timeout: float = TIMEOUT, output_limit: int = OUTPUT_LIMIT) -> TrialResult:
    """Call the tool ``name`` defined by ``source`` with ``arguments`` in a child process."""
    folder = Path(tempfile.mkdtemp(prefix="roundtable-try-"))
    work = folder / "work"
    work.mkdir()
    result_file = folder / "result.json"
    try:
        child = subprocess.Popen(
            [sys.executable, "-m", "studio.tool_trial_child", str(result_file)], cwd=work,
            env=scrubbed_environment(work), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, start_new_session=True,
        )
        reader = _Reader(child, output_limit)
        reader.start()
        request = {"source": source, "name": name, "description": description, "arguments": arguments}
        try:
            assert child.stdin is not None
            child.stdin.write(json.dumps(request).encode())
            child.stdin.close()
        except BrokenPipeError:
            pass
        try:
            child.wait(timeout=timeout)
            timed_out = False
        except subprocess.TimeoutExpired:
            timed_out = True
            _kill(child)
        _kill(child)  # anything it started in its process group goes with it
        reader.join(timeout=5)  # a process that left the group may hold the pipe: do not wait for it
        output = reader.text()
        if reader.flooded:
            return TrialResult(False, f"The tool printed more than {output_limit:,} characters, so it was stopped "
                               "and its output cut there. A tool should return its answer, not print it.", output)
        if timed_out:
            return TrialResult(False, f"The tool gave no answer within {timeout:g} seconds and was stopped (an "
                               "endless loop, or a slow call?). Make it return sooner.", output)
        return _outcome(result_file, child.returncode, output)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _outcome(result_file: Path, returncode: int | None, output: str) -> TrialResult:
    try:
        with result_file.open("rb") as handle:
            outcome = json.loads(handle.read(1_000_000).decode("utf-8", "replace"))
        return TrialResult(bool(outcome["ok"]), str(outcome.get("result") if outcome["ok"] else outcome.get("error")), output)
    except (OSError, ValueError, KeyError, TypeError):
        return TrialResult(False, f"The tool's process ended (exit code {returncode}) without an answer: the code "
                           "may have exited or crashed Python.", output)


def _kill(child: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(child.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    child.wait()


class _Reader(threading.Thread):
    """Reads the child's output up to a cap; past it, kills the child."""

    def __init__(self, child: subprocess.Popen[bytes], limit: int) -> None:
        super().__init__(daemon=True)
        self.child, self.limit, self.flooded = child, limit, False
        self.chunks: list[bytes] = []
        self.size = 0

    def run(self) -> None:
        assert self.child.stdout is not None
        while chunk := self.child.stdout.read1(65536):
            keep = chunk[: max(0, self.limit - self.size)]
            self.chunks.append(keep)
            self.size += len(chunk)
            if self.size > self.limit:
                self.flooded = True
                _kill(self.child)
                break
        self.child.stdout.close()

    def text(self) -> str:
        return b"".join(self.chunks).decode("utf-8", "replace")
