"""A 10,000-deep JSON file is a bad file like any other (security issue, hole 9)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from storage import DocumentError
from storage.validation import MAX_NESTING, load_run_json, load_team_json
from studio.transfer_io import parse_upload

ROOT = Path(__file__).resolve().parents[2]
DEEP = '{"team": ' + "[" * 10_000 + "]" * 10_000 + "}"


@pytest.mark.parametrize("load", [load_team_json, load_run_json])
def test_the_parser_says_nested_too_deeply(load) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(DocumentError) as raised:
        load(DEEP, "deep.json")
    assert "deep.json is not valid" in str(raised.value) and "nested too deeply" in str(raised.value)


def test_brackets_inside_strings_do_not_count_and_real_depth_is_allowed() -> None:
    text = '{"x": "' + "[" * 5_000 + '", "y": ' + "[" * (MAX_NESTING - 1) + "]" * (MAX_NESTING - 1) + "}"
    with pytest.raises(DocumentError) as raised:
        load_team_json(text, "ok-depth.json")
    assert "nested too deeply" not in str(raised.value)  # it fails for its fields, not its depth


def test_the_import_page_lists_it_as_a_problem(tmp_path) -> None:
    from storage import open_database

    db = open_database(f"sqlite:///{tmp_path / 'x.db'}")
    parsed = parse_upload(db, DEEP.encode(), "deep.json")
    assert parsed.document is None and any("nested too deeply" in p for p in parsed.problems)
    db.close()


def test_the_cli_exits_2_with_the_sentence_and_no_traceback(tmp_path) -> None:
    path = tmp_path / "deep.json"
    path.write_text(DEEP)
    env = {**os.environ, "ROUNDTABLE_DATA_DIR": str(tmp_path / "data"),
           "ROUNDTABLE_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}"}
    done = subprocess.run([sys.executable, "-m", "studio", "run", "--team", str(path), "--task", "x"],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 2, done.stderr
    assert "nested too deeply" in done.stderr and "Traceback" not in done.stderr + done.stdout


DEEP_TOOL = "def add(a: int) -> int:\n    \"\"\"Add.\"\"\"\n    return " + "-" * 150_000 + "1\n"


def test_a_tool_nested_past_the_parser_is_a_problem_not_a_crash() -> None:
    """``ast.parse`` runs out of memory or recursion on such code instead of raising SyntaxError."""
    import json

    from studio.tool_check import check_tool

    team = {"format": "roundtable.team", "team": {"name": "T", "kind": "two_agent", "members": ["a", "b"],
                                                 "initiator": "a"},
            "agents": [{"name": "a", "kind": "user_proxy"}, {"name": "b", "tools": ["add"]}],
            "tools": [{"name": "add", "source": DEEP_TOOL}]}
    with pytest.raises(DocumentError) as raised:
        load_team_json(json.dumps(team), "deep-tool.json")
    assert "nested too deeply" in str(raised.value)
    assert "nested too deeply" in (check_tool(DEEP_TOOL, "add").error or "")
