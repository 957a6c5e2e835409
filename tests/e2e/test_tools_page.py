"""The Tools page in real headless Chromium (issue 15, item 11): real code typed into the highlighting editor
reaches the check, the "Try it" box and the save; the list shows the docstring; the page fetches nothing
from any host but the studio's own. Screenshots at 1400 and 800 px land in
``$ROUNDTABLE_TEST_ARTIFACTS/tools_page`` (or pytest's tmp dir)."""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlparse

import pytest

from storage import open_database
from storage.designs import get_tool
from tests.support.studio import browser_page, studio_server, wait_until_idle

pytestmark = pytest.mark.timeout(600)

CODE = '''import math


def circle_area(radius: float, digits: int = 2) -> float:
    """Work out the area of a circle.

    Args:
        radius: The circle's radius, in metres.
        digits: How many decimals to keep.
    """
    if radius < 0:
        raise ValueError("a radius cannot be negative")
    return round(math.pi * radius ** 2, digits)
'''


@pytest.fixture
def shots(tmp_path: Path) -> Path:
    folder = Path(os.environ.get("ROUNDTABLE_TEST_ARTIFACTS") or tmp_path) / "tools_page"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _settle(page) -> None:  # type: ignore[no-untyped-def]
    page.wait_for_timeout(300)  # let a rerun the last action asked for begin
    wait_until_idle(page, timeout=60_000)


def type_code(page, code: str) -> None:  # type: ignore[no-untyped-def]
    """Replace the code in the Tools page's editor by ``code``, typed as text input (as a paste is), then
    leave the editor, which sends the code to the studio."""
    editor = page.frame_locator('iframe[title="code_editor.code_editor"]').locator(".ace_content")
    editor.click()
    page.keyboard.press("Control+A")
    page.keyboard.press("Delete")
    page.keyboard.insert_text(code)
    page.keyboard.press("Control+Home")
    page.get_by_test_id("stHeading").first.click()  # out of the editor: it sends the code
    _settle(page)


def _shot(page, shots: Path, name: str) -> None:  # type: ignore[no-untyped-def]
    height = page.evaluate("document.querySelector('[data-testid=stMain]').scrollHeight")
    size = page.viewport_size
    page.set_viewport_size({"width": size["width"], "height": max(size["height"], min(height + 40, 5000))})
    page.wait_for_timeout(1500)
    page.screenshot(path=str(shots / name))
    page.set_viewport_size(size)


def test_write_check_try_and_save_a_tool_in_the_editor(tmp_path: Path, shots: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    with studio_server(data) as url, browser_page(width=1400, height=1000) as page:
        requests: list[str] = []
        page.on("request", lambda request: requests.append(request.url))
        page.goto(f"{url}/tools")
        _settle(page)
        page.locator(".st-key-tools-new button").click()
        _settle(page)
        page.get_by_text("The code checks out.").wait_for()
        page.frame_locator('iframe[title="code_editor.code_editor"]').locator(".ace_keyword").first.wait_for()

        type_code(page, CODE)
        page.get_by_text("circle_area").first.wait_for()
        main = page.get_by_test_id("stMain")
        assert "The circle's radius, in metres." in main.inner_text()
        assert "How many decimals to keep." in main.inner_text()

        args = page.locator(".st-key-tools-try-args textarea")
        assert '"radius": 1.5' in args.input_value() and '"digits": 2' in args.input_value()
        args.fill('{"radius": 2}')
        args.press("Tab")
        _settle(page)
        page.locator(".st-key-tools-try-run button").click()
        _settle(page)
        page.get_by_text("The tool answered").wait_for()
        page.locator(".st-key-tools-try-box").get_by_text("12.57", exact=True).wait_for()
        _shot(page, shots, "tools-try-1400.png")

        args.fill('{"radius": -1}')
        args.press("Tab")
        _settle(page)
        page.locator(".st-key-tools-try-run button").click()
        _settle(page)
        page.get_by_text("The tool raised ValueError: a radius cannot be negative").wait_for()

        page.locator(".st-key-tools-save button").click()
        _settle(page)
        page.get_by_text("Saved tool").first.wait_for()
        main.get_by_text("Work out the area of a circle.").first.wait_for()

        narrow = page.context.browser.new_page(viewport={"width": 800, "height": 1000})  # the studio collapses its sidebar
        narrow.on("request", lambda request: requests.append(request.url))
        narrow.goto(f"{url}/tools")
        _settle(narrow)
        narrow.locator(".st-key-tools-pick-circle_area button").click()
        _settle(narrow)
        narrow.get_by_text("The code checks out.").wait_for()
        narrow.frame_locator('iframe[title="code_editor.code_editor"]').locator(".ace_keyword").first.wait_for()
        _shot(narrow, shots, "tools-800.png")
        assert narrow.get_by_test_id("stException").count() == 0

    db = open_database(f"sqlite:///{data / 'roundtable.db'}")
    try:
        assert get_tool(db, "circle_area").source.strip() == CODE.strip()  # the typed code, as typed
    finally:
        db.close()
    host = urlparse(url).netloc
    elsewhere = [u for u in requests if urlparse(u).scheme in ("http", "https", "ws", "wss")
                 and urlparse(u).netloc != host]
    assert not elsewhere, elsewhere
    assert any("/component/code_editor" in u for u in requests)  # the editor came from the studio itself
