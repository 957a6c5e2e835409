"""The Experiments page in the real studio and real headless Chromium, against the scripted model: a CSV
with bad rows is refused row by row, a good one is stored, an experiment of a team x two models fills
its matrix live, and a cell's link opens that run's replay."""

from __future__ import annotations

import os
import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from components.llm.scripted import ScriptedLLMServer
from storage import open_database
from storage.designs import save_model
from tests.experiments.conftest import bad, good, model_spec, team_document
from tests.storage.helpers import store_document
from tests.support.studio import browser_page, studio_server, wait_until_idle

BAD_CSV = b"task,expected,equals,regex\n,x,,\nadd 2 and 2,,yes,\nok,,,(\n"
GOOD_CSV = b"task,expected,contains,equals\nWhat is the capital of France?,,Paris,\nadd 2 and 2,4,,yes\n"


@pytest.fixture
def studio(tmp_path: Path) -> Iterator[tuple[str, ScriptedLLMServer]]:
    with ScriptedLLMServer() as llm:
        llm.respond("good", good)
        llm.respond("bad", bad)
        db = open_database(f"sqlite:///{tmp_path / 'roundtable.db'}")
        store_document(db, team_document(llm.url, code=False))
        save_model(db, model_spec("bad", llm.url))
        db.close()
        with studio_server(tmp_path) as url:
            yield url, llm


def _shots() -> Path | None:
    folder = os.environ.get("ROUNDTABLE_TEST_ARTIFACTS")
    return Path(folder) / "experiments" if folder else None


def _upload(page, name: str, data: bytes) -> None:  # type: ignore[no-untyped-def]
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(
        files=[{"name": name, "mimeType": "text/csv", "buffer": data}])
    page.locator('[data-testid="stFileChipName"]', has_text=name).wait_for()
    page.get_by_role("button", name="Import tasks").wait_for()
    time.sleep(0.5)  # the upload's rerun starts after the name shows
    wait_until_idle(page)
    page.get_by_role("button", name="Import tasks").click()
    wait_until_idle(page)


def _choose(page, label: str, options: list[str]) -> None:  # type: ignore[no-untyped-def]
    box = page.get_by_role("combobox", name=label)
    for option in options:
        box.click()
        box.fill(option)
        page.keyboard.press("Enter")
    page.keyboard.press("Escape")


def test_an_experiment_from_csv_to_replay(studio: tuple[str, ScriptedLLMServer]) -> None:
    url, _ = studio
    with browser_page() as page:
        page.goto(f"{url}/experiments")
        wait_until_idle(page)
        page.get_by_role("tab", name="Task sets").click()
        page.get_by_text("Upload a CSV").click()
        _upload(page, "bad.csv", BAD_CSV)
        alert = page.locator('[data-testid="stAlertContentError"]')
        alert.wait_for()
        text = alert.inner_text()
        assert "bad.csv cannot be used" in text and "row 2: the task is empty" in text
        assert "row 3: equals is yes but the expected column is empty" in text
        assert "row 4: '(' is not a valid regular expression" in text

        _upload(page, "basics.csv", GOOD_CSV)
        page.get_by_text('Stored "basics" version 1 (2 tasks).').wait_for()

        page.get_by_role("tab", name="New experiment").click()
        _choose(page, "Teams", ["Solver"])
        _choose(page, "Models (one column each; none: each team as designed)", ["good", "bad"])
        if (shots := _shots()) is not None:
            shots.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(shots / "form.png"), full_page=True)
        page.get_by_role("button", name="Start experiment").click()
        page.wait_for_url(re.compile(r"\?experiment=\d+"))
        page.get_by_role("tab", name="Results").click()

        # the matrix fills live: 2 tasks x 2 columns
        deadline = time.monotonic() + 120
        while page.get_by_text(re.compile(r"4 of 4 runs scored")).count() == 0:
            assert time.monotonic() < deadline, "the matrix did not fill"
            time.sleep(0.5)
        wait_until_idle(page)
        table = page.locator('[data-testid="stMarkdownContainer"] table').first
        assert table.locator("th").all_inner_texts()[1:] == ["Solver × good", "Solver × bad"]
        assert "1/1 passed" in table.locator("tbody tr").nth(0).locator("td").nth(1).inner_text()
        assert "0/1 passed" in table.locator("tbody tr").nth(0).locator("td").nth(2).inner_text()
        if (shots := _shots()) is not None:
            shots.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(shots / "matrix.png"), full_page=True)

        link = table.locator("tbody tr").nth(0).locator("td").nth(2).locator("a").first
        href = link.get_attribute("href") or ""
        assert re.search(r"/replay\?run=\d+$", href), href
        run_id = int(href.rsplit("=", 1)[1])
        page.goto(href)
        wait_until_idle(page)
        page.get_by_text(f"Run #{run_id}").first.wait_for()
        position = page.get_by_role("slider").nth(1)
        position.focus()
        position.press("End")  # jump to the end of the bad model's run
        page.get_by_text("The capital of France is Lyon.", exact=False).first.wait_for()
