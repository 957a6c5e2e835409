"""Starting the real studio (`streamlit run studio/app.py`) on a free port, and a real headless Chromium."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from studio.render.narrow_screen import COLLAPSED_FLAG, NARROW_PX
from tests.support.services import missing_service

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def studio_server(
    data_dir: Path, env: dict[str, str] | None = None, timeout: float = 60, script: Path | None = None,
    port: int | None = None, args: tuple[str, ...] = (),
) -> Iterator[str]:
    """Run the studio (or another Streamlit ``script``) with its own data dir; yields its base URL.
    ``args``: more ``streamlit run`` options (e.g. ``--secrets.files``)."""
    port = port or free_port()
    log = open(data_dir / "streamlit.log", "w")  # noqa: SIM115 - closed below
    process_env = {
        **os.environ, "ROUNDTABLE_DATA_DIR": str(data_dir), "PYTHONUNBUFFERED": "1",
        "ROUNDTABLE_DATABASE_URL": f"sqlite:///{data_dir / 'roundtable.db'}", **(env or {}),
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(script or ROOT / "studio" / "app.py"), "--server.port", str(port),
         "--server.address", "127.0.0.1", "--server.headless", "true", "--browser.gatherUsageStats", "false",
         "--server.fileWatcherType", "none", *args],
        cwd=ROOT, env=process_env, stdout=log, stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group: signals meant for the test run's group miss it
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                if urllib.request.urlopen(f"{url}/_stcore/health", timeout=1).read() == b"ok":
                    break
            except OSError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the studio did not start: {(data_dir / 'streamlit.log').read_text()[-2000:]}")
            time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


def chromium_path() -> str:
    path = os.environ.get("ROUNDTABLE_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    if not path:
        missing_service("Chromium (apt-get install chromium)")
    return path


@contextmanager
def chromium() -> Iterator[object]:
    """A real headless Chromium driven by Playwright (open several pages with ``new_page``)."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        missing_service("Playwright (pip install playwright)")
    executable = chromium_path()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def new_page(browser, width: int = 1400, height: int = 900):  # type: ignore[no-untyped-def]
    page = browser.new_page(viewport={"width": width, "height": height})
    page.set_default_timeout(30_000)
    return page


@contextmanager
def browser_page(width: int = 1400, height: int = 900) -> Iterator[object]:
    """A Playwright page in real headless Chromium."""
    with chromium() as browser:
        yield new_page(browser, width, height)


def open_sidebar(page) -> None:  # type: ignore[no-untyped-def]
    """Open the sidebar if the studio collapsed it (narrow screens start with it closed)."""
    sidebar = page.locator('[data-testid="stSidebar"]')
    sidebar.wait_for(state="attached")
    if page.viewport_size["width"] <= NARROW_PX:  # the studio collapses it once the page has drawn: wait for that
        page.wait_for_function(f"() => window.sessionStorage.getItem({COLLAPSED_FLAG!r})", timeout=30_000)
        page.wait_for_timeout(500)  # the sidebar's closing animation
    if sidebar.get_attribute("data-collapsed") == "true":
        page.locator('[data-testid="stExpandSidebarButton"]').click()
        page.wait_for_selector('[data-testid="stSidebar"][data-collapsed="false"]')


def choose(page, box, option: str, attempts: int = 3) -> None:  # type: ignore[no-untyped-def]
    """Open a select box and pick ``option``: if a rerun of the page closes the list before the option
    shows (it happens on a busy machine, right after the page draws), open it again."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    choice = page.get_by_role("option", name=option, exact=True)
    for attempt in range(attempts):
        box.click()
        try:
            choice.click(timeout=10_000)
            return
        except PlaywrightTimeout:
            if attempt == attempts - 1:
                raise
            page.keyboard.press("Escape")
            wait_until_idle(page)


def wait_until_idle(page, timeout: float = 30_000) -> None:  # type: ignore[no-untyped-def]
    """Wait until Streamlit finished running the page script."""
    page.wait_for_selector('[data-testid="stApp"][data-test-script-state="notRunning"]', state="attached", timeout=timeout)


def eventually(check, timeout: float = 20.0, page=None) -> None:  # type: ignore[no-untyped-def]
    """Wait for `check()`; on a timeout the failure quotes what `page` (if given) showed, so a CI log tells why."""
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            shown = f"; the page showed: {page.inner_text('body')[-3000:]!r}" if page is not None else ""
            raise AssertionError(f"condition not met in time{shown}")
        time.sleep(0.2)
