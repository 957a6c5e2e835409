"""AutoGen fidelity (issue 16): the local executor's paths and policies, the executor protocol, helpers."""

from __future__ import annotations

import os
import sys
import warnings
from pathlib import Path

import pytest

from components import (
    CodeBlock,
    CodeExecutor,
    CodeExecutorFactory,
    CodeResult,
    LocalCommandLineCodeExecutor,
    MarkdownCodeExtractor,
    UserProxyAgent,
    create_virtual_env,
    execute_code,
    in_docker_container,
    is_docker_running,
    with_requirements,
)


def test_code_file_is_absolute_and_work_dir_kept_as_given(in_tmp) -> None:
    executor = LocalCommandLineCodeExecutor(work_dir=".")
    assert executor.work_dir == Path(".")
    result = executor.execute_code_blocks([CodeBlock("print('a')", "python"), CodeBlock("print('b')", "python")])
    assert result.output == "a\nb\n"
    assert Path(result.code_file).is_absolute() and Path(result.code_file).parent == in_tmp
    assert Path(result.code_file).read_text() == "print('a')"  # the first block's file, as in AutoGen


def test_missing_parent_of_work_dir_is_an_error(tmp_path) -> None:
    with pytest.raises(FileNotFoundError, match="parent folder does not exist"):
        LocalCommandLineCodeExecutor(work_dir=tmp_path / "missing" / "work")
    # the dict form (AutoGen's legacy path) still creates the folders
    user = UserProxyAgent("u", code_execution_config={"work_dir": str(tmp_path / "a" / "b"), "use_docker": False})
    assert user.code_executor is not None and (tmp_path / "a" / "b").is_dir()


def test_restart_warns_that_it_does_nothing(tmp_path) -> None:
    executor = LocalCommandLineCodeExecutor(work_dir=tmp_path)
    with pytest.warns(UserWarning, match="not supported. No action is taken"):
        executor.restart()


def test_pip_install_is_silenced(tmp_path) -> None:
    executor = LocalCommandLineCodeExecutor(work_dir=tmp_path)
    # pip is a no-op shell function here: the block prints its own (rewritten) file
    result = executor.execute_code_blocks([CodeBlock("pip() { :; }\npip install requests\ncat \"$0\"", "sh")])
    assert "\npip install -qqq requests\n" in result.output
    assert LocalCommandLineCodeExecutor.sanitize_command("python", "rm -rf /") is None  # only shell is checked
    with pytest.raises(ValueError, match="rm -rf"):
        executor.sanitize_command("bash", "rm -rf /")


def test_an_executor_that_only_implements_the_protocol_is_one(recorder) -> None:
    class Echo:
        """Runs nothing: reports each block's language (an executor of the program's own making)."""

        @property
        def code_extractor(self) -> MarkdownCodeExtractor:
            return MarkdownCodeExtractor()

        def execute_code_blocks(self, code_blocks: list[CodeBlock]) -> CodeResult:
            return CodeResult(exit_code=0, output=",".join(b.language for b in code_blocks))

        def restart(self) -> None:
            pass

    assert isinstance(Echo(), CodeExecutor) and not isinstance(object(), CodeExecutor)
    assert CodeExecutorFactory.create({"executor": Echo()}).__class__ is Echo
    runner = UserProxyAgent("runner", human_input_mode="NEVER", code_execution_config={"executor": Echo()})
    other = UserProxyAgent("other", human_input_mode="NEVER", code_execution_config=False)
    runner.receive("```python\nprint(1)\n```\n```sh\necho hi\n```", other, request_reply=False)
    assert runner.generate_reply(sender=other) == "exitcode: 0 (execution succeeded)\nCode output: python,sh"
    assert [e.language for e in recorder.of("code_started")] == ["python", "sh"]


def test_markdown_extractor_infers_languages() -> None:
    blocks = MarkdownCodeExtractor().extract_code_blocks("a\n```\nx = 1\n```\n```\nnot : code ?\n```")
    assert blocks == [CodeBlock(code="x = 1", language="python"), CodeBlock(code="not : code ?", language="")]
    assert MarkdownCodeExtractor().extract_code_blocks("no code") == []


def test_user_functions_are_importable_by_the_code(tmp_path) -> None:
    @with_requirements(python_packages=[], global_imports=["math"])
    def hypotenuse(a: float, b: float) -> float:
        """Length of the long side."""
        return math.hypot(a, b)  # noqa: F821 - math comes from global_imports, in the functions module

    executor = LocalCommandLineCodeExecutor(work_dir=tmp_path, functions=[hypotenuse])
    assert "from functions import foo" in executor.format_functions_for_prompt()
    assert "def hypotenuse(a: float, b: float) -> float:" in executor.format_functions_for_prompt()
    result = executor.execute_code_blocks([CodeBlock("from functions import hypotenuse\nprint(hypotenuse(3, 4))", "python")])
    assert (result.exit_code, result.output) == (0, "5.0\n")
    assert (tmp_path / "functions.py").read_text().startswith("import math")


def test_execute_code_and_environment_helpers(tmp_path) -> None:
    assert execute_code("print(6 * 7)", work_dir=str(tmp_path), use_docker=False) == (0, "42\n", None)
    assert execute_code("import time; time.sleep(5)", timeout=1, work_dir=str(tmp_path), use_docker=False) == (1, "Timeout", None)
    (tmp_path / "given.py").write_text("print('from the file')")
    assert execute_code(filename="given.py", work_dir=str(tmp_path), use_docker=False)[:2] == (0, "from the file\n")
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith("tmp_code_")] == []  # made-up files removed
    with pytest.raises(AssertionError):
        execute_code(work_dir=str(tmp_path), use_docker=False)
    assert isinstance(is_docker_running(), bool)
    assert in_docker_container() == os.path.exists("/.dockerenv")


def test_virtual_env_context_runs_python_there(tmp_path) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        context = create_virtual_env(str(tmp_path / "venv"), with_pip=False)
    executor = LocalCommandLineCodeExecutor(work_dir=tmp_path, virtual_env_context=context)
    result = executor.execute_code_blocks([CodeBlock("import sys\nprint(sys.prefix)", "python")])
    assert result.output.strip() == str(tmp_path / "venv") and result.output.strip() != sys.prefix
