"""The executor interface every sandbox implements, and the rules all of them share.

An executor runs one code block at a time in its work dir. What is common (which languages exist, where
the file goes, the ``# filename:`` rule, output capping, which files count as artifacts) lives here, so
the local and the Docker executor differ only in how a command is run.
"""

from __future__ import annotations

import hashlib
import mimetypes
import os
import re
import stat
import time
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from components.events import Artifact

TIMEOUT_EXIT_CODE = 124
TIMEOUT_MESSAGE = "Timeout"
MAX_OUTPUT_CHARS = 50_000
#: a block that prints more than this many bytes (stdout and stderr together) is killed
DEFAULT_OUTPUT_BYTE_LIMIT = 10 * 1024 * 1024
OUTPUT_BYTE_LIMIT_ENV = "ROUNDTABLE_CODE_OUTPUT_LIMIT"

PYTHON = ("python", "py", "python3", "Python")
SHELL = ("bash", "shell", "sh")
POWERSHELL = ("pwsh", "powershell", "ps1")
JAVASCRIPT = ("javascript", "js", "node")
SAVED_ONLY = ("html", "css")
EXTENSIONS = {"python": "py", "sh": "sh", "pwsh": "ps1", "javascript": "js", "html": "html", "css": "css"}

# A first-line comment naming the file: "# filename: a.py", "// filename: a.js", "<!-- page.html -->".
_FILENAME_LINE = re.compile(r"^\s*(?:#|//|/\*|<!--)\s*(filename:)?\s*(.+?)\s*(?:\*/|-->)?\s*$")
# Without the "filename:" prefix only something that looks like a file name counts, so an ordinary
# comment ("# compute the squares") is never mistaken for one (AutoGen would try to use it).
_BARE_FILENAME = re.compile(r"^[\w./-]+\.[A-Za-z0-9]+$")


def canonical_language(language: str) -> str | None:
    """The executor's name for ``language`` ("py" -> "python"), or None if it cannot run it."""
    lang = language.strip().lower()
    for canon, aliases in (("python", PYTHON), ("sh", SHELL), ("pwsh", POWERSHELL), ("javascript", JAVASCRIPT)):
        if lang in {a.lower() for a in aliases}:
            return canon
    return lang if lang in SAVED_ONLY else None


def filename_from_code(code: str) -> str | None:
    """The file name a block asks to be saved as, from its first line, if any."""
    first_line = code.split("\n", 1)[0]
    match = _FILENAME_LINE.match(first_line)
    if not match:
        return None
    prefixed, name = match.group(1), match.group(2).strip()
    if prefixed:
        return name or None
    return name if _BARE_FILENAME.match(name) else None


class FilenameOutsideWorkspace(ValueError):
    pass


@dataclass(frozen=True)
class CodeBlock:
    code: str
    language: str


@dataclass
class CodeResult:
    """What running code produced. ``output`` is stderr followed by stdout, as AutoGen reports it."""

    exit_code: int
    output: str
    code_file: str | None = None
    artifacts: list[Artifact] = field(default_factory=list)
    duration_s: float = 0.0

    @property
    def timed_out(self) -> bool:
        return self.exit_code == TIMEOUT_EXIT_CODE and self.output.rstrip().endswith(TIMEOUT_MESSAGE)


@dataclass(frozen=True)
class CommandOutcome:
    """What a subclass's ``_run_command`` returns."""

    exit_code: int
    output: str
    timed_out: bool = False
    note: str = ""


def output_byte_limit(value: int | None = None) -> int:
    """``value``, else ``$ROUNDTABLE_CODE_OUTPUT_LIMIT``, else 10 MiB: the bytes a block may print."""
    if value is None:
        raw = os.environ.get(OUTPUT_BYTE_LIMIT_ENV, "").strip()
        if not raw:
            return DEFAULT_OUTPUT_BYTE_LIMIT
        if not raw.isdigit():
            raise ValueError(f"{OUTPUT_BYTE_LIMIT_ENV} must be a whole number of bytes, got {raw!r}")
        value = int(raw)
    if value < 1:
        raise ValueError(f"the output limit must be at least 1 byte (got {value})")
    return value


def output_flood_note(limit: int) -> str:
    return (
        f"Killed: the code printed more than the {limit:,} byte output limit "
        f"(set {OUTPUT_BYTE_LIMIT_ENV} to change it)."
    )


class OutputBuffer:
    """Keeps the first ``keep`` bytes of a stream and counts the rest: a block may print gigabytes."""

    def __init__(self, keep: int) -> None:
        self.keep = keep
        self.data = bytearray()
        self.dropped = 0

    def add(self, chunk: bytes | None) -> int:
        """Add ``chunk``; returns its length (what counts against the block's output limit)."""
        if not chunk:
            return 0
        room = max(self.keep - len(self.data), 0)
        self.data += chunk[:room]
        self.dropped += max(len(chunk) - room, 0)
        return len(chunk)

    def text(self) -> str:
        text = self.data.decode("utf-8", errors="replace")
        return text + f"\n[output truncated: {self.dropped} more bytes]\n" if self.dropped else text


def cap_output(text: str, limit: int = MAX_OUTPUT_CHARS) -> str:
    if len(text) <= limit:
        return text
    return text[:limit] + f"\n[output truncated: {len(text) - limit} more characters]"


def snapshot_files(root: Path, limit: int = 5_000) -> dict[str, tuple[int, int]]:
    """relative path -> (mtime_ns, size) of the regular files under ``root``, hidden folders skipped.

    Links are never followed (``os.walk`` does not enter linked folders, and ``lstat`` looks at a link
    itself): code in the sandbox may link a host file into the work dir, and it must not become an artifact.
    """
    seen: dict[str, tuple[int, int]] = {}
    if not root.exists():
        return seen
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if not d.startswith(".") and d != "__pycache__"]
        for name in filenames:
            path = Path(dirpath, name)
            try:
                st = path.lstat()
            except OSError:
                continue
            if not stat.S_ISREG(st.st_mode):
                continue
            seen[path.relative_to(root).as_posix()] = (st.st_mtime_ns, st.st_size)
            if len(seen) >= limit:
                return seen
    return seen


def changed_files(root: Path, before: dict[str, tuple[int, int]], exclude: set[str]) -> list[Artifact]:
    after = snapshot_files(root)
    artifacts = []
    for rel, stamp in sorted(after.items()):
        if rel in exclude or before.get(rel) == stamp:
            continue
        mime = mimetypes.guess_type(rel)[0] or "application/octet-stream"
        artifacts.append(Artifact(path=rel, mime=mime, size=stamp[1]))
    return artifacts


def silence_pip(code: str, language: str) -> str:
    """Add ``-qqq`` to ``pip install`` lines, as AutoGen does: pip's progress output would fill the
    model's context and the transcript."""
    if language in PYTHON or language == "python":
        pattern = re.compile(r"^! ?pip install")
    elif language in SHELL or language in POWERSHELL or language == "sh":
        pattern = re.compile(r"^pip install")
    else:
        return code
    lines = code.split("\n")
    for i, line in enumerate(lines):
        match = pattern.search(line)
        if match is not None and "-qqq" not in line:
            lines[i] = line.replace(match.group(0), match.group(0) + " -qqq", 1)
    return "\n".join(lines)


class CodeExecutor(ABC):
    """Runs code blocks in a work dir. Subclasses implement ``_run_command`` (and may hold resources).

    ``execute_code_blocks`` keeps AutoGen's contract: blocks run in order and execution stops at the
    first block that fails. As in AutoGen, where ``CodeExecutor`` is a runtime-checkable protocol, any
    object with ``code_extractor``, ``execute_code_blocks`` and ``restart`` passes ``isinstance(x,
    CodeExecutor)`` without inheriting from this class, and an agent can use it.
    """

    kind: str = "base"
    #: the interpreter (argv prefix) for each runnable language
    commands: dict[str, list[str]] = {}
    #: languages that run (True) or are only saved to a file (False); AutoGen saves javascript, html, css
    DEFAULT_EXECUTION_POLICY: dict[str, bool] = {
        "python": True, "sh": True, "pwsh": True, "javascript": True, "html": False, "css": False,
    }

    @classmethod
    def __subclasshook__(cls, candidate: type) -> bool:
        if cls is CodeExecutor:
            members = ("code_extractor", "execute_code_blocks", "restart")
            if all(any(m in vars(k) for k in candidate.__mro__) for m in members):
                return True
        return NotImplemented

    def __init__(
        self, work_dir: str | Path = ".", timeout: int = 60, max_output_bytes: int | None = None,
        execution_policies: dict[str, bool] | None = None,
    ) -> None:
        if timeout < 1:
            raise ValueError(f"timeout must be at least 1 second (got {timeout}); pass e.g. timeout=60")
        self.timeout = int(timeout)
        self.max_output_bytes = output_byte_limit(max_output_bytes)
        self._root = Path(work_dir).resolve()  # where files go; subclasses may show the path as given
        self.work_dir = self._root
        self._root.mkdir(parents=True, exist_ok=True)
        self.execution_policies = dict(self.DEFAULT_EXECUTION_POLICY)
        for language, run in (execution_policies or {}).items():
            canon = canonical_language(language)
            if canon is None:
                raise ValueError(f"execution_policies: unknown language {language!r}")
            self.execution_policies[canon] = bool(run)

    @property
    def code_extractor(self):  # type: ignore[no-untyped-def]
        """How code blocks are found in a message (AutoGen's markdown fences)."""
        from components.coding.markdown import MarkdownCodeExtractor

        return MarkdownCodeExtractor()

    # -- the part subclasses provide -------------------------------------------------------------
    @abstractmethod
    def _run_command(self, argv: list[str], timeout: int) -> CommandOutcome:
        """Run ``argv`` (the last item is the code file, relative to the work dir) and wait."""

    def restart(self) -> None:  # noqa: B027 - an optional hook, not an abstract method
        """Reset the sandbox between conversations (nothing to do for a stateless executor)."""

    def close(self) -> None:  # noqa: B027 - an optional hook, not an abstract method
        """Release what the executor holds (containers, processes)."""

    # -- shared behaviour ----------------------------------------------------------------------------
    def execute_code_blocks(
        self,
        code_blocks: list[CodeBlock],
        before_block: Callable[[CodeBlock], None] | None = None,
        after_block: Callable[[CodeBlock, CodeResult], None] | None = None,
    ) -> CodeResult:
        """Run blocks in order, stopping at the first failure; callbacks see each block start and end."""
        outputs: list[str] = []
        result = CodeResult(exit_code=0, output="")
        artifacts: list[Artifact] = []
        first_file: str | None = None
        started = time.monotonic()
        for block in code_blocks:
            if before_block:
                before_block(block)
            result = self.execute_block(block)
            first_file = first_file or result.code_file
            if after_block:
                after_block(block, result)
            outputs.append(result.output)
            artifacts.extend(result.artifacts)
            if result.exit_code != 0:
                break
        return CodeResult(
            exit_code=result.exit_code,
            output="".join(outputs),
            code_file=first_file,  # AutoGen: the file of the first block
            artifacts=artifacts,
            duration_s=time.monotonic() - started,
        )

    def execute_block(self, block: CodeBlock) -> CodeResult:
        started = time.monotonic()
        language = canonical_language(block.language)
        if language is None:
            return CodeResult(exit_code=1, output=f"unknown language {block.language}")
        try:
            rel_file = self._write_code_file(silence_pip(block.code, language), language)
        except FilenameOutsideWorkspace:
            return CodeResult(exit_code=1, output="Filename is not in the workspace")
        code_file = self._reported_code_file(rel_file)
        if language in SAVED_ONLY or not self.execution_policies.get(language, False):
            return CodeResult(exit_code=0, output=f"Code saved to {code_file}\n", code_file=code_file)
        if language not in self.commands:
            return CodeResult(exit_code=1, output=f"{language} cannot run in this {self.kind} executor")
        before = snapshot_files(self._root)
        outcome = self._run_command([*self.commands[language], rel_file], self.timeout)
        output = outcome.output
        exit_code = outcome.exit_code
        if outcome.timed_out:
            output, exit_code = output + "\n" + TIMEOUT_MESSAGE, TIMEOUT_EXIT_CODE
        if outcome.note:
            output = output + ("\n" if output and not output.endswith("\n") else "") + outcome.note
        return CodeResult(
            exit_code=exit_code,
            output=cap_output(output),
            code_file=code_file,
            artifacts=changed_files(self._root, before, exclude={rel_file}),
            duration_s=time.monotonic() - started,
        )

    def _reported_code_file(self, rel_file: str) -> str:
        """``CodeResult.code_file`` (and the path in "Code saved to ..."): relative to the work dir here;
        each executor reports it the way its AutoGen twin does."""
        return rel_file

    def _write_code_file(self, code: str, language: str) -> str:
        name = filename_from_code(code)
        if name is None:
            digest = hashlib.md5(code.encode()).hexdigest()
            name = f"tmp_code_{digest}.{EXTENSIONS[language]}"
        path = (self._root / name).resolve()
        if not path.is_relative_to(self._root):
            raise FilenameOutsideWorkspace(name)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(code, encoding="utf-8")
        return path.relative_to(self._root).as_posix()
