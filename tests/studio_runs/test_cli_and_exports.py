"""The headless CLI (a real subprocess), crash safety, and run exports (Markdown, HTML, JSON)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from storage import open_database
from storage.eventlog import events_after
from storage.runs import get_run, list_runs
from storage.transfer import import_run
from storage.validation import dump_document, load_run_json
from studio.runs.export import run_html, run_json, run_markdown
from tests.studio_runs.conftest import coder_team
from tests.studio_runs.processes import LEASE_S

ROOT = Path(__file__).resolve().parents[2]
PLOT = (
    "```python\nimport matplotlib.pyplot as plt\nplt.plot([1, 2, 3], [1, 4, 9])\nplt.savefig('plot.png')\n"
    "print('saved')\n```"
)


def _cli(tmp_path, *args, **kwargs):  # type: ignore[no-untyped-def]
    env = {**os.environ, "ROUNDTABLE_DATA_DIR": str(tmp_path / "data"), "OPENAI_API_KEY": "sk-test",
           "ROUNDTABLE_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}", "ROUNDTABLE_LEASE_S": LEASE_S}
    return subprocess.Popen(
        [sys.executable, "-m", "studio", "run", *args], cwd=ROOT, env=env, text=True,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, **kwargs,
    )


def _team_file(tmp_path, llm) -> Path:  # type: ignore[no-untyped-def]
    path = tmp_path / "team.json"
    path.write_text(dump_document(coder_team(llm.url)))
    return path


def test_cli_runs_a_team_file_prints_it_and_stores_it(tmp_path, llm) -> None:
    llm.script("writer", [PLOT, "TERMINATE"])
    process = _cli(tmp_path, "--team", str(_team_file(tmp_path, llm)), "--task", "draw")
    output, _ = process.communicate(timeout=120)

    assert process.returncode == 0, output
    assert "--- executor -> coder ---\ndraw" in output
    assert ">>> executor runs python code locally..." in output and "file: plot.png (image/png" in output
    assert "run #1: completed" in output
    db = open_database(f"sqlite:///{tmp_path / 'cli.db'}")
    assert [r.status for r in list_runs(db)] == ["completed"]


def test_cli_exit_codes_for_failures_and_bad_arguments(tmp_path, llm) -> None:
    llm.script("writer", [_fail_401()])
    failed = _cli(tmp_path, "--team", str(_team_file(tmp_path, llm)), "--task", "x")
    output, _ = failed.communicate(timeout=120)
    assert failed.returncode == 1 and "authentication failed for model openai/writer" in output

    missing = _cli(tmp_path, "--team", "No such team", "--task", "x")
    output, _ = missing.communicate(timeout=60)
    assert missing.returncode == 2 and 'there is no team named "No such team"' in output

    broken = tmp_path / "broken.json"
    broken.write_text('{"format": "roundtable.team", "team": {"name": 3}}')
    bad = _cli(tmp_path, "--team", str(broken), "--task", "x")
    output, _ = bad.communicate(timeout=60)
    assert bad.returncode == 2 and "broken.json" in output and "team.name" in output


def _fail_401():  # type: ignore[no-untyped-def]
    from components.llm.scripted import fail

    return fail(401, "Incorrect API key provided")


def test_killed_process_leaves_its_events_and_an_interrupted_run(tmp_path, llm) -> None:
    from components.llm.scripted import hang

    llm.script("writer", ["```python\nprint('first block ran')\n```", hang(60)])
    process = _cli(tmp_path, "--team", str(_team_file(tmp_path, llm)), "--task", "work")
    db = open_database(f"sqlite:///{tmp_path / 'cli.db'}")
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        runs = list_runs(db)
        if runs and any(e.kind == "code_finished" for e in events_after(db, runs[0].id, 0)):
            break
        time.sleep(0.1)
    time.sleep(0.5)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=10)
    db.close()

    time.sleep(float(LEASE_S) + 0.5)  # the killed process's lease lapses
    reopened = open_database(f"sqlite:///{tmp_path / 'cli.db'}")  # what the studio does when it starts
    run = list_runs(reopened)[0]
    assert run.status == "interrupted"
    kinds = [e.kind for e in events_after(reopened, run.id, 0)]
    assert kinds[:6] == ["chat_started", "message", "usage", "message", "code_started", "code_finished"]
    assert kinds[6] == "message"  # the executor's report was committed before the kill


def test_exports_render_offline_and_json_round_trips(tmp_path, db, engine, llm) -> None:
    llm.script("writer", [PLOT, "All done. TERMINATE", "TERMINATE"])
    run_id = engine.start(coder_team(llm.url), "make a plot", api_keys={"Scripted": "sk-test"})
    engine.wait(run_id, 60)

    markdown = run_markdown(db, run_id, engine.data_dir)
    assert markdown.startswith(f"# Run #{run_id}: Coder + Executor")
    assert "### coder → executor" in markdown and "![plot.png](data:image/png;base64," in markdown

    page = run_html(db, run_id, engine.data_dir)
    assert page.startswith("<!doctype html>") and 'src="data:image/png;base64,' in page
    assert "http://" not in page and "https://" not in page  # nothing to fetch: renders offline
    assert "make a plot" in page and "All done. TERMINATE" in page

    other = open_database(f"sqlite:///{tmp_path / 'other.db'}")
    imported = import_run(other, load_run_json(run_json(db, run_id), "export.json"))
    assert imported.created
    copied, original = events_after(other, imported.run_id, 0), events_after(db, run_id, 0)
    assert [e.event for e in copied] == [e.event for e in original]
    assert get_run(other, imported.run_id).task == "make a plot"
    assert json.loads(run_json(db, run_id))["format"] == "roundtable.run"
