"""The studio on a narrow screen (800 px: a projector, half a laptop), in real headless Chromium (studio demo
issue, item 9): the sidebar starts collapsed and stays open once opened, the gallery's cards stack instead of
squeezing, and a plot fits its column. Screenshots are kept for a person to look at."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.e2e.test_run_flow import (
    PLOT,
    chat_texts,
    eventually,
    llm,
    seed_team,
    slow,
    start_run,
    studio,
    wait_text,
)
from tests.support.studio import browser_page, open_sidebar, wait_until_idle

__all__ = ["llm", "studio"]  # the run-flow tests' fixtures


@pytest.fixture(scope="module")
def shots(tmp_path_factory) -> Path:  # type: ignore[no-untyped-def]
    folder = os.environ.get("ROUNDTABLE_TEST_ARTIFACTS")
    path = Path(folder) / "narrow-screen" if folder else tmp_path_factory.mktemp("screenshots")
    path.mkdir(parents=True, exist_ok=True)
    return path


def _sidebar_open(page) -> bool:  # type: ignore[no-untyped-def]
    return page.locator('[data-testid="stSidebar"]').get_attribute("data-collapsed") == "false"


def _card_boxes(page) -> list[dict[str, float]]:  # type: ignore[no-untyped-def]
    buttons = page.get_by_role("button", name="Add to my teams")
    eventually(lambda: buttons.count() >= 3)
    return [buttons.nth(i).bounding_box() for i in range(buttons.count())]


def test_at_800_px_the_sidebar_collapses_and_the_gallery_cards_stack(studio, shots) -> None:
    url = studio[0]
    with browser_page(width=800) as page:
        page.goto(f"{url}/gallery")
        wait_until_idle(page)
        eventually(lambda: not _sidebar_open(page), timeout=15)
        # the main column slides left as the sidebar closes: wait for the layout to settle, not one reading
        eventually(lambda: len({round(b["x"]) for b in _card_boxes(page)}) == 1, timeout=15, page=page)
        boxes = _card_boxes(page)
        page.screenshot(path=str(shots / "gallery-800.png"), full_page=True)
        assert all(b["width"] > 500 for b in boxes), "each card should take the page's width"

        open_sidebar(page)  # opened by the person: it stays open on the next page
        page.get_by_role("link", name="Teams").click()
        wait_until_idle(page)
        page.wait_for_timeout(1500)
        assert _sidebar_open(page)


def test_at_1400_px_the_sidebar_stays_and_the_cards_sit_side_by_side(studio) -> None:
    url = studio[0]
    with browser_page(width=1400) as page:
        page.goto(f"{url}/gallery")
        wait_until_idle(page)
        boxes = _card_boxes(page)
        page.wait_for_timeout(1500)  # the narrow-screen script has had its chance
        assert _sidebar_open(page)
        assert len({round(b["x"]) for b in boxes}) == len(boxes), "the cards should sit side by side"


def test_at_800_px_a_plot_fits_its_column(studio, llm, shots) -> None:
    url, data_dir = studio
    team = seed_team(data_dir, llm, "Narrow plot", "narrowplot")
    llm.script("narrowplot", [slow(PLOT, 0.5), slow("TERMINATE", 0.5)])
    with browser_page(width=800, height=1400) as page:
        start_run(page, url, team, "Plot the squares.")
        image = page.locator('[data-testid="stImage"] img').first
        image.wait_for(timeout=60_000)
        wait_text(page, "Conversation finished")
        page.locator('[data-testid="stSidebarCollapseButton"] button').click()  # as the person would, to read
        page.wait_for_timeout(500)
        page.screenshot(path=str(shots / "plot-800.png"), full_page=True)
        box = image.bounding_box()
        column = page.locator('[data-testid="stMainBlockContainer"]').bounding_box()
        assert box["x"] >= column["x"] and box["x"] + box["width"] <= min(column["x"] + column["width"], 800), \
            "the plot is cut off"
        assert "Plot the squares." in "\n".join(chat_texts(page))
