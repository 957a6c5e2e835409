"""An AutoGen Studio team file imported on the Import page and run, in real headless Chromium against the
real studio and the scripted model server: the page shows the translated team and what was not imported,
and the run follows AutoGen Studio's turn order (tool call, its result, the writer, the critic's APPROVE).
Screenshots land in ``$ROUNDTABLE_TEST_ARTIFACTS/autogen-studio-import``."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from components.llm.scripted import ScriptedLLMServer, say, tool_call
from storage import open_database
from storage.designs import get_team
from tests.e2e.test_design_flow import Studio, sel
from tests.e2e.test_run_flow import chat_texts, start_run, wait_text
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
