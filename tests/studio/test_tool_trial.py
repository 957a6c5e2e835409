"""The Tools page's trial runs a tool in a real child process: without the studio's secrets, in a temporary
folder, stopped after a timeout or a flood of output, every failure a sentence (issue 15, item 11)."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

from studio.tool_trial import parse_arguments, try_tool

SNOOP = '''import os


def snoop(name: str) -> dict:
    """What the tool can see of its surroundings."""
    print("looking around")
    return {"value": os.environ.get(name), "names": sorted(os.environ), "cwd": os.getcwd(), "pid": os.getpid()}
'''


def test_a_secret_of_the_studios_environment_does_not_reach_the_tool(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-studio-secret")
    monkeypatch.setenv("ROUNDTABLE_DATABASE_URL", "postgresql://user:password@db/roundtable")
    trial = try_tool(SNOOP, "snoop", "", {"name": "OPENAI_API_KEY"})
    assert trial.ok, trial.text
    seen = json.loads(trial.text)
    assert seen["value"] is None and "sk-studio-secret" not in trial.text and "password" not in trial.text
    assert "OPENAI_API_KEY" not in seen["names"] and "ROUNDTABLE_DATABASE_URL" not in seen["names"]
    assert seen["pid"] != os.getpid()  # another process
    assert Path(seen["cwd"]).name == "work" and Path(seen["cwd"]) != Path.cwd()
    assert not Path(seen["cwd"]).exists()  # the temporary folder is gone afterwards
    assert trial.output == "looking around\n"


def test_the_result_and_typed_arguments_are_as_in_a_run() -> None:
    source = ('from pydantic import BaseModel\n\nclass Point(BaseModel):\n    x: int\n    y: int\n\n'
              'def norm(p: Point, scale: float = 1.0) -> dict:\n    """Manhattan norm."""\n'
              '    return {"norm": (abs(p.x) + abs(p.y)) * scale}\n')
    trial = try_tool(source, "norm", "", {"p": {"x": 3, "y": -4}})
    assert trial.ok and trial.text == '{"norm": 7.0}'
    async_source = 'async def hello(name: str) -> str:\n    """Greet."""\n    return "hi " + name\n'
    assert try_tool(async_source, "hello", "", {"name": "Ada"}).text == "hi Ada"


def test_an_endless_loop_is_stopped_with_a_sentence() -> None:
    source = 'def spin(n: int) -> int:\n    """Never ends."""\n    while True:\n        n += 1\n'
    trial = try_tool(source, "spin", "", {"n": 1}, timeout=2)
    assert not trial.ok
    assert trial.text.startswith("The tool gave no answer within 2 seconds and was stopped")


def test_a_flood_of_output_is_cut_with_a_sentence() -> None:
    source = 'def shout(n: int) -> str:\n    """Prints forever."""\n    while True:\n        print("x" * n)\n'
    trial = try_tool(source, "shout", "", {"n": 1000}, timeout=60, output_limit=5000)
    assert not trial.ok and trial.text.startswith("The tool printed more than 5,000 characters, so it was stopped")
    assert 0 < len(trial.output) <= 5000


def test_failures_are_sentences() -> None:
    divide = 'def divide(a: int, b: int) -> float:\n    """Divide."""\n    return a / b\n'
    trial = try_tool(divide, "divide", "", {"a": 1, "b": 0})
    assert not trial.ok and trial.text == "The tool raised ZeroDivisionError: division by zero (line 3 of the code)"
    trial = try_tool(divide, "divide", "", {"a": 1})
    assert trial.text == "The arguments do not fit the tool's parameters: missing a required argument: 'b'."
    trial = try_tool(divide, "divide", "", {"a": "one", "b": 2})
    assert trial.text.startswith("The arguments do not fit the tool's parameters: a: Input should be a valid integer")
    trial = try_tool("import os\n\ndef leave(x: int) -> int:\n    '''Exit.'''\n    os._exit(3)\n", "leave", "", {"x": 1})
    assert trial.text.startswith("The tool's process ended (exit code 3) without an answer")
    trial = try_tool("raise RuntimeError('no config')\n\ndef f(x: int) -> int:\n    '''F.'''\n", "f", "", {"x": 1})
    assert trial.text == ("The code failed while loading, before the tool was called: RuntimeError: no config "
                          "(line 1 of the code)")
    assert parse_arguments("{'a': 1}").startswith("The arguments are not JSON")  # type: ignore[union-attr]
    assert parse_arguments("[1]") == 'The arguments must be a JSON object, such as {"text": "hello"}.'


def _alive(pid: int) -> bool:
    """True while ``pid`` runs (a zombie waiting for its reaper counts as gone)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, IndexError):
        return False
    return state != "Z"


def test_what_the_tool_starts_in_the_background_is_stopped_with_it() -> None:
    source = ("import subprocess, sys\n\ndef spawn(seconds: int) -> int:\n    '''Leave a process behind.'''\n"
              "    return subprocess.Popen([sys.executable, '-c', f'import time; time.sleep({seconds})']).pid\n")
    trial = try_tool(source, "spawn", "", {"seconds": 120})
    assert trial.ok, trial.text
    pid = int(trial.text)
    deadline = time.monotonic() + 10
    while _alive(pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _alive(pid)
