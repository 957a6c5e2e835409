"""Code execution: extraction rules, the local executor, and the agent's execution reply and events."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from components import (
    AssistantAgent,
    CodeBlock,
    CodeExecutionConfig,
    LocalCommandLineCodeExecutor,
    RunCancelled,
    UserProxyAgent,
    extract_code,
    infer_lang,
)


def test_extract_code_matches_autogen() -> None:
    text = "Run this:\n```python\nprint(1)\n```\nand\n```\necho hi\n```"
    assert extract_code(text) == [("python", "print(1)"), ("", "echo hi")]
    assert extract_code("no code here") == [("unknown", "no code here")]
    assert infer_lang("pip install x") == "sh"
    assert infer_lang("x = 1") == "python"
    assert infer_lang("this is not : code") == "unknown"


@pytest.fixture
def executor(tmp_path):  # type: ignore[no-untyped-def]
    return LocalCommandLineCodeExecutor(work_dir=tmp_path / "work", timeout=3)


def test_python_and_shell_output_and_exit_codes(executor) -> None:
    ok = executor.execute_code_blocks([CodeBlock("import sys\nprint('out')\nprint('err', file=sys.stderr)", "python")])
    assert (ok.exit_code, ok.output) == (0, "err\nout\n")
    failed = executor.execute_code_blocks([CodeBlock("echo partial; exit 3", "sh"), CodeBlock("echo never", "sh")])
    assert failed.exit_code == 3 and failed.output == "partial\n"
    unknown = executor.execute_code_blocks([CodeBlock("x", "cobol")])
    assert (unknown.exit_code, unknown.output) == (1, "unknown language cobol")


def test_timeout_kills_the_process_group(executor, tmp_path) -> None:
    marker = tmp_path / "work" / "child_alive"
    code = (
        "import subprocess, time\n"
        f"subprocess.Popen(['sh', '-c', 'sleep 4; touch {marker}'])\n"
        "time.sleep(60)"
    )
    started = time.monotonic()
    result = executor.execute_code_blocks([CodeBlock(code, "python")])
    assert result.exit_code == 124 and result.output.endswith("Timeout")
    assert time.monotonic() - started < 5
    time.sleep(2.5)
    assert not marker.exists(), "a child process outlived the timeout"


def test_filename_rule_and_workspace_confinement(executor, tmp_path) -> None:
    saved = executor.execute_code_blocks([CodeBlock("# filename: tools/hello.py\nprint('hello')", "python")])
    assert saved.output == "hello\n" and (tmp_path / "work" / "tools" / "hello.py").exists()
    escaped = executor.execute_code_blocks([CodeBlock("# filename: ../evil.py\nprint('x')", "python")])
    assert (escaped.exit_code, escaped.output) == (1, "Filename is not in the workspace")
    assert not (tmp_path / "evil.py").exists()
    # an ordinary comment is not a file name
    comment = executor.execute_code_blocks([CodeBlock("# compute squares\nprint(4)", "python")])
    assert comment.exit_code == 0 and Path(comment.code_file).name.startswith("tmp_code_")


def test_created_files_are_artifacts(tmp_path) -> None:
    executor = LocalCommandLineCodeExecutor(work_dir=tmp_path, timeout=60)  # matplotlib's first import is slow
    code = (
        "import matplotlib.pyplot as plt\n"
        "plt.plot([1, 2, 3], [1, 4, 9])\nplt.savefig('squares.png')\n"
        "open('data.csv', 'w').write('x,y\\n1,1\\n')"
    )
    result = executor.execute_code_blocks([CodeBlock(code, "python")])
    assert result.exit_code == 0, result.output
    found = {a.path: a for a in result.artifacts}
    assert set(found) == {"squares.png", "data.csv"}
    assert found["squares.png"].mime == "image/png" and found["squares.png"].size > 1000
    assert found["data.csv"].mime == "text/csv"


def test_runaway_memory_gets_a_clear_message(tmp_path) -> None:
    executor = LocalCommandLineCodeExecutor(work_dir=tmp_path, timeout=10, memory_limit_mb=256)
    result = executor.execute_code_blocks([CodeBlock("x = bytearray(1024 * 1024 * 1024)", "python")])
    assert result.exit_code != 0
    assert "Out of memory" in result.output and "256 MB" in result.output


def test_dangerous_shell_is_refused(executor) -> None:
    result = executor.execute_code_blocks([CodeBlock("rm -rf /tmp/something", "sh")])
    assert result.exit_code == 1 and "rm -rf" in result.output


def test_stop_kills_running_code(executor, recorder) -> None:
    threading.Timer(0.5, recorder.cancellation.cancel).start()
    started = time.monotonic()
    with pytest.raises(RunCancelled):
        executor.execute_code_blocks([CodeBlock("import time\ntime.sleep(30)", "python")])
    assert time.monotonic() - started < 1.5


def test_agent_runs_code_and_reports_like_autogen(llm, recorder, in_tmp) -> None:
    llm.script("writer", [
        "Here:\n```python\nprint(sum(range(5)))\n```",
        "Broken:\n```python\nraise SystemExit(2)\n```",
        "TERMINATE",
    ])
    assistant = AssistantAgent("assistant", llm_config=llm.llm_config("writer"))
    user = UserProxyAgent(
        "user", human_input_mode="NEVER",
        code_execution_config={"work_dir": "coding", "use_docker": False, "timeout": 10},
    )

    result = user.initiate_chat(assistant, message="compute")

    assert result.chat_history[2]["content"] == "exitcode: 0 (execution succeeded)\nCode output: 10\n"
    assert result.chat_history[4]["content"] == "exitcode: 2 (execution failed)\nCode output: "
    started, finished = recorder.of("code_started"), recorder.of("code_finished")
    assert [s.language for s in started] == ["python", "python"]
    assert [f.exit_code for f in finished] == [0, 2]
    assert started[0].exec_id == finished[0].exec_id and started[0].executor == "local"
    assert (in_tmp / "coding").is_dir()


def test_last_n_messages_scans_back(recorder, in_tmp) -> None:
    coder = AssistantAgent(
        "coder", llm_config=False,
        code_execution_config=CodeExecutionConfig(work_dir="coding", timeout=60, last_n_messages=3, use_docker=False),
    )
    other = UserProxyAgent("other", human_input_mode="NEVER", code_execution_config=False)
    coder.receive("```python\nprint('old')\n```", other, request_reply=False)
    coder.receive("no code", other, request_reply=False)
    reply = coder.generate_reply(sender=other)
    assert reply == "exitcode: 0 (execution succeeded)\nCode output: old\n"


@pytest.mark.parametrize(
    "config, fragment",
    [
        ({"work_dir": "x", "colour": "red"}, "unknown keys ['colour']"),
        ({"executor": "local", "timeout": 5}, "'executor' cannot be combined"),
        ({"timeout": 0, "use_docker": False}, "timeout must be a number of seconds >= 1"),
        ({"last_n_messages": -1, "use_docker": False}, "last_n_messages must be 'auto' or a non-negative int"),
        ("yes", "code_execution_config must be a dict"),
    ],
)
def test_invalid_code_execution_config(config, fragment) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValueError) as info:
        UserProxyAgent("user", code_execution_config=config)
    assert fragment in str(info.value)


def test_javascript_is_saved_as_autogen_does_and_runs_when_the_policy_says_so(executor, tmp_path) -> None:
    import shutil

    code = "console.log([1, 2, 3].map(x => x * x).join(','))"
    saved = executor.execute_code_blocks([CodeBlock(code, "javascript")])
    assert saved.exit_code == 0 and saved.output == f"Code saved to {saved.code_file}\n"
    assert Path(saved.code_file).read_text() == code
    if shutil.which("node") is None:
        pytest.skip("node is not installed: javascript blocks report that they cannot run")
    runs = LocalCommandLineCodeExecutor(work_dir=tmp_path / "js", timeout=5, execution_policies={"javascript": True})
    result = runs.execute_code_blocks([CodeBlock(code, "javascript")])
    assert (result.exit_code, result.output) == (0, "1,4,9\n")


def test_executor_given_in_the_dict_form_is_used(recorder, tmp_path) -> None:
    executor = LocalCommandLineCodeExecutor(work_dir=tmp_path / "mine", timeout=5)
    runner = UserProxyAgent("runner", human_input_mode="NEVER", code_execution_config={"executor": executor})
    other = UserProxyAgent("other", human_input_mode="NEVER", code_execution_config=False)
    runner.receive("```python\nprint('from my executor')\n```", other, request_reply=False)

    assert runner.generate_reply(sender=other) == "exitcode: 0 (execution succeeded)\nCode output: from my executor\n"
    assert runner.code_executor is executor
    assert recorder.of("code_finished")[0].work_dir == str(tmp_path / "mine")
