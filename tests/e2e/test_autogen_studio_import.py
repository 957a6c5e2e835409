"""An AutoGen Studio team file imported on the Import page and run, in real headless Chromium against the
real studio and the scripted model server: the page shows the translated team and what was not imported,
and the run follows AutoGen Studio's turn order (tool call, its result, the writer, the critic's APPROVE).
Screenshots land in ``$ROUNDTABLE_TEST_ARTIFACTS/autogen-studio-import``."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest

from components.llm.scripted import ScriptedLLMServer, say, tool_call
from storage import open_database
from storage.designs import get_team
from storage.transfer import import_team
from studio.transfer_io import parse_upload
from tests.e2e.test_design_flow import Studio, sel
from tests.e2e.test_run_flow import chat_texts, start_run, wait_text
from tests.studio.test_codegen_ag2 import ag2_python, speakers
from tests.support.studio import browser_page, studio_server, wait_until_idle

pytestmark = pytest.mark.timeout(900)
FILE = Path(__file__).parents[1] / "studio" / "autogen_studio_files" / "write_and_review.json"


def test_import_an_autogen_studio_team_and_run_it(tmp_path) -> None:  # type: ignore[no-untyped-def]
    data = tmp_path / "data"
    data.mkdir()
    shots = Path(os.environ.get("ROUNDTABLE_TEST_ARTIFACTS") or tmp_path) / "autogen-studio-import"
    shots.mkdir(parents=True, exist_ok=True)
    with ScriptedLLMServer() as llm, studio_server(data) as url, browser_page(height=1400) as page:
        upload = tmp_path / "write_and_review.json"
        upload.write_text(FILE.read_text().replace("http://127.0.0.1:9/v1", llm.url))
        page.goto(url)
        wait_until_idle(page)
        me = Studio(page, url, shots)
        me.go("Import / Export")
        page.locator(f"{sel('transfer.upload')} input[type=file]").set_input_files(str(upload))
        me.settle()
        me.sees("is an AutoGen Studio team")
        me.sees("Write and review")
        not_mapped = page.locator(sel("transfer.not_mapped"))
        assert "Not imported (2)" in not_mapped.inner_text()
        assert 'agent "writer": model_client: api_key: keys are never imported from a file' in not_mapped.inner_text()
        me.sees('Model "scripted-writer" needs its API key')
        me.shot("import-preview")
        me.click("transfer.import")
        me.sees("Imported team \u201cWrite and review\u201d.")
        me.shot("imported")
        db = open_database(f"sqlite:///{data / 'roundtable.db'}")
        try:
            assert get_team(db, "Write and review").members == ["user", "writer", "critic"]
        finally:
            db.close()

        llm.script("scripted-writer", [tool_call("circle_area", {"radius": 2}), say("Draft: a circle of radius 2 "
                   "has an area of 12.57."), say("Clear and correct. APPROVE"), say("never sent")])
        start_run(page, url, "Write and review", "Describe a circle of radius 2.")
        wait_text(page, "Conversation finished", timeout=120_000)
        page.screenshot(path=str(shots / "run.png"), full_page=True)
        bubbles = chat_texts(page)
        assert bubbles[0].startswith("You") and "Describe a circle of radius 2." in bubbles[0]
        speakers = [m.group(1) for b in bubbles if (m := re.search(r"^(\S+) to the group", b, re.MULTILINE))]
        assert speakers == ["You", "writer", "user", "writer", "critic"], bubbles  # "user" ran the tool
        text = "\n".join(bubbles)
        assert "12.57" in text and "Clear and correct. APPROVE" in text and "never sent" not in text
        assert re.search(r'critic said \W?APPROVE', page.content()), "the run says the team phrase ended it"
        assert llm.remaining("scripted-writer") == 1


def test_export_the_imported_team_for_ag2_and_run_it_there(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """From AutoGen Studio through Roundtable to AG2: the imported team, exported on the page with the AG2
    target chosen, runs on real AG2 against the scripted model in the same turn order."""
    python = ag2_python()
    data = tmp_path / "data"
    data.mkdir()
    with ScriptedLLMServer() as llm:
        db = open_database(f"sqlite:///{data / 'roundtable.db'}")
        try:
            parsed = parse_upload(db, FILE.read_text().replace("http://127.0.0.1:9/v1", llm.url), "team.json")
            import_team(db, parsed.document, source=parsed.source)
        finally:
            db.close()
        with studio_server(data) as url, browser_page() as page:
            page.goto(url)
            wait_until_idle(page)
            me = Studio(page, url, tmp_path)
            me.go("Import / Export")
            page.get_by_role("tab", name=re.compile("Export a team")).click()
            me.choose("transfer.team", "Write and review")
            page.locator(sel("transfer.target")).get_by_text("AG2 (pip install ag2)").click()
            me.settle()
            me.sees("The same team written for AG2")
            with page.expect_download() as download:
                me.click("transfer.download_py")
            script = tmp_path / download.value.suggested_filename
            download.value.save_as(script)
        assert script.name == "write_and_review_ag2.py"
        llm.script("scripted-writer", [tool_call("circle_area", {"radius": 2}), say("Draft: area 12.57."),
                                       say("Clear and correct. APPROVE"), say("never sent")])
        result = subprocess.run([python, str(script), "Describe a circle of radius 2."], cwd=tmp_path,
                                capture_output=True, text=True, timeout=240, stdin=subprocess.DEVNULL, check=False,
                                env={k: v for k, v in os.environ.items() if k != "PYTHONPATH"})
        remaining = llm.remaining("scripted-writer")
    assert result.returncode == 0, result.stderr[-3000:]
    assert speakers(result.stdout, "chat_manager") == ["user", "writer", "user", "writer", "critic"], \
        result.stdout[-3000:]
    assert "Termination message condition on the GroupChatManager" in result.stdout and remaining == 1
