"""The Tools page's code editor and "Try it": what they cost a person.

1. Opening a tool: from the click on a tool in the list until its code is drawn in the editor
   (the component's frame loaded, Ace's text on screen), the first time in a browser (nothing cached)
   and again (the editor's JavaScript cached), next to the time until the rest of the page is drawn
   (the check box's "The code checks out."), which a plain text box needed.
2. "Try it": from the click on Run until the answer is on screen (a child Python starts, imports
   Roundtable's schema helpers, runs the tool), and the child process alone, timed in Python.

    python benchmarks/tools_editor.py [--rounds 5]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from storage import open_database  # noqa: E402 - after the sys.path fix above
from storage.designs import save_tool  # noqa: E402
from storage.documents import ToolSpec  # noqa: E402
from studio.tool_check import NEW_TOOL_SOURCE  # noqa: E402
from studio.tool_trial import try_tool  # noqa: E402
from tests.support.studio import chromium, studio_server, wait_until_idle  # noqa: E402


def _open_tool(page, url: str) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    """Seconds from the click on the tool until the page is drawn, and until the editor shows the code."""
    page.goto(f"{url}/tools")
    wait_until_idle(page, timeout=60_000)
    start = time.perf_counter()
    page.locator(".st-key-tools-pick-count_words button").click()
    page.get_by_text("The code checks out.").wait_for(timeout=60_000)
    drawn = time.perf_counter() - start
    page.frame_locator('iframe[title="code_editor.code_editor"]').get_by_text("count_words").first.wait_for(timeout=60_000)
    return drawn, time.perf_counter() - start


def _try(page) -> float:  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    page.locator(".st-key-tools-try-run button").click()
    page.get_by_text("The tool answered").wait_for(timeout=60_000)
    elapsed = time.perf_counter() - start
    wait_until_idle(page)
    return elapsed


def _row(name: str, values: list[float]) -> str:
    return f"| {name} | {statistics.median(values):.2f} | {max(values):.2f} |"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=5)
    rounds = parser.parse_args().rounds
    with tempfile.TemporaryDirectory() as folder:
        data = Path(folder) / "data"
        data.mkdir()
        with studio_server(data) as url, chromium() as browser:
            db = open_database(f"sqlite:///{data / 'roundtable.db'}")
            save_tool(db, ToolSpec(name="count_words", source=NEW_TOOL_SOURCE))
            db.close()
            first_page, first_editor, again_page, again_editor, tries = [], [], [], [], []
            for _ in range(rounds):
                context = browser.new_context(viewport={"width": 1400, "height": 900})  # nothing cached
                page = context.new_page()
                drawn, editor = _open_tool(page, url)
                first_page.append(drawn)
                first_editor.append(editor)
                drawn, editor = _open_tool(page, url)  # the same browser: its JavaScript is cached
                again_page.append(drawn)
                again_editor.append(editor)
                tries.append(_try(page))
                context.close()
    child = []
    for _ in range(rounds):
        start = time.perf_counter()
        assert try_tool(NEW_TOOL_SOURCE, "count_words", "", {"text": "a b"}).text == "2"
        child.append(time.perf_counter() - start)
    print(f"{rounds} rounds\n")
    print("| seconds | median | max |\n|---|---:|---:|")
    print(_row("open a tool, first time: page drawn", first_page))
    print(_row("open a tool, first time: code in the editor", first_editor))
    print(_row("open a tool again (cached): page drawn", again_page))
    print(_row("open a tool again (cached): code in the editor", again_editor))
    print(_row("Try it: click to answer on screen", tries))
    print(_row("Try it: the child process alone", child))


if __name__ == "__main__":
    main()
