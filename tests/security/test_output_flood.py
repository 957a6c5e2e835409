"""A block that floods its output is killed at the byte limit, locally and in Docker (issue 11, item 7).

Before the fix the local executor spooled output to an uncapped temp file (gigabytes within seconds) and
both executors let a flood run until the block's timeout.
"""

from __future__ import annotations

import time

import pytest

from components.coding.base import OUTPUT_BYTE_LIMIT_ENV, CodeBlock, CodeResult
from components.coding.local import LocalCommandLineCodeExecutor

FLOOD_STDOUT = "import sys\nwhile True:\n    sys.stdout.write('x' * 65536)\n"
FLOOD_STDERR = "import sys\nprint('started')\nwhile True:\n    sys.stderr.write('e' * 65536)\n"
LIMIT = 2_000_000


def _run(executor, code: str) -> tuple[CodeResult, float]:  # type: ignore[no-untyped-def]
    started = time.monotonic()
    result = executor.execute_code_blocks([CodeBlock(code=code, language="python")])
    return result, time.monotonic() - started


def _assert_killed_for_flooding(result: CodeResult, seconds: float, limit: int) -> None:
    assert result.exit_code == 137, result.output[-300:]
    assert f"Killed: the code printed more than the {limit:,} byte output limit" in result.output
    assert OUTPUT_BYTE_LIMIT_ENV in result.output
    assert not result.timed_out
    assert len(result.output) < 60_000  # what is kept of the output stays small
    assert seconds < 30, f"the flood ran {seconds:.1f} s: it must be killed at the limit, not at the 60 s timeout"


@pytest.mark.parametrize("code", [FLOOD_STDOUT, FLOOD_STDERR], ids=["stdout", "stderr"])
def test_a_local_flood_is_killed_at_the_limit(tmp_path, code: str) -> None:  # type: ignore[no-untyped-def]
    executor = LocalCommandLineCodeExecutor(work_dir=tmp_path / "work", timeout=60, max_output_bytes=LIMIT)
    result, seconds = _run(executor, code)
    _assert_killed_for_flooding(result, seconds, LIMIT)


def test_the_limit_comes_from_the_environment(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv(OUTPUT_BYTE_LIMIT_ENV, "500000")
    executor = LocalCommandLineCodeExecutor(work_dir=tmp_path / "work", timeout=60)
    assert executor.max_output_bytes == 500_000
    result, seconds = _run(executor, FLOOD_STDOUT)
    _assert_killed_for_flooding(result, seconds, 500_000)

    monkeypatch.setenv(OUTPUT_BYTE_LIMIT_ENV, "lots")
    with pytest.raises(ValueError, match=f"{OUTPUT_BYTE_LIMIT_ENV} must be a whole number of bytes"):
        LocalCommandLineCodeExecutor(work_dir=tmp_path / "work")


def test_output_under_the_limit_is_untouched(tmp_path) -> None:  # type: ignore[no-untyped-def]
    executor = LocalCommandLineCodeExecutor(work_dir=tmp_path / "work", timeout=30, max_output_bytes=LIMIT)
    result, _ = _run(executor, "import sys\nprint('out')\nprint('err', file=sys.stderr)\nsys.exit(2)")
    assert (result.exit_code, result.output) == (2, "err\nout\n")


def test_a_background_child_holding_the_pipes_does_not_hang_the_block(tmp_path) -> None:  # type: ignore[no-untyped-def]
    code = "import subprocess\nsubprocess.Popen(['sleep', '30'], start_new_session=True)\nprint('left a child')\n"
    executor = LocalCommandLineCodeExecutor(work_dir=tmp_path / "work", timeout=30)
    result, seconds = _run(executor, code)
    assert (result.exit_code, result.output) == (0, "left a child\n")
    assert seconds < 10


@pytest.mark.parametrize("code", [FLOOD_STDOUT, FLOOD_STDERR], ids=["stdout", "stderr"])
def test_a_docker_flood_is_killed_at_the_limit(make_executor, code: str) -> None:  # type: ignore[no-untyped-def]
    executor = make_executor(timeout=60, max_output_bytes=LIMIT)
    result, seconds = _run(executor, code)
    _assert_killed_for_flooding(result, seconds, LIMIT)
    after, _ = _run(executor, "print('the sandbox still works')")
    assert (after.exit_code, after.output) == (0, "the sandbox still works\n")
