"""Studio startup: cold start to the first page, page switches, and what the pages import.

1. Cold start: from launching ``streamlit run studio/app.py`` (a fresh data directory, so the database is
   created and migrated too) until the first page (the Playground) is fully rendered in headless
   Chromium: script idle, no widget still loading, its title on screen. The browser is started first.
2. Page switch: from a click on a sidebar link until the new page is fully rendered, for each design page,
   timed in the page's own clock (the click event to the first animation frame with the page complete),
   once the server is idle: the studio imports litellm in a background thread a few seconds after the
   Playground first opens (``studio.state``), and while that import runs every page is slower. Measured
   for the studio as configured, for the studio with Streamlit's ``runner.postScriptGC`` off (a full
   garbage collection after every script run, which costs ~0.5 s of CPU once litellm's objects are in
   memory), and for the baseline.
   Both are also measured for a baseline: a bare Streamlit app with the same navigation, whose pages hold
   only a title and three widgets, to tell Streamlit's and the browser's share from Roundtable's.
3. Page path imports: each page run once in a fresh process (Streamlit's AppTest); which heavy modules
   (litellm, llama_cpp, docker, openai, matplotlib, tiktoken) got imported. None may be.

    python benchmarks/studio_startup.py [--cold 3] [--rounds 3]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.support.studio import CHROMIUM_ARGS, chromium_path, free_port  # noqa: E402 - after the sys.path fix above

DESIGN_PAGES = ["Gallery", "Teams", "Agents", "Models", "Tools", "Import / Export", "Settings"]
HEAVY = ["litellm", "llama_cpp", "docker", "openai", "matplotlib", "tiktoken"]
RENDERED = """([title]) => {
  const app = document.querySelector('[data-testid=stApp]');
  if (!app || app.getAttribute('data-test-script-state') !== 'notRunning') return false;
  if (document.querySelector('[data-testid=stMain] [data-testid=stSkeleton]')) return false;
  const heading = document.querySelector('[data-testid=stMain] h1');
  if (!heading || !heading.textContent.trim().startsWith(title)) return false;
  window.__doneAt = performance.now();
  return true;
}"""
CLICK_CLOCK = "document.addEventListener('click', () => { window.__clickAt = performance.now(); }, true)"
PAGE_FILES = {"Playground": "playground", "Gallery": "gallery", "Teams": "teams", "Agents": "agents",
              "Models": "models", "Tools": "tools", "Import / Export": "transfer", "Settings": "settings"}


BASELINE_APP = """
import streamlit as st

def page(title):
    def draw():
        st.title(title)
        st.text_input("Name", key=f"{title}.name")
        st.selectbox("Kind", ["a", "b"], key=f"{title}.kind")
        st.button("Save", key=f"{title}.save")
    return st.Page(draw, title=title, url_path=title.lower().replace(" / ", "-"), default=title == "Playground")

st.navigation([page(t) for t in TITLES]).run()
"""


def baseline_app(folder: Path) -> Path:
    path = folder / "baseline_app.py"
    path.write_text(f"TITLES = {['Playground', *DESIGN_PAGES]!r}\n" + BASELINE_APP)
    return path


def start_studio(data: Path, app: Path | None = None, *options: str) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    env = {**os.environ, "ROUNDTABLE_DATA_DIR": str(data), "ROUNDTABLE_DATABASE_URL": f"sqlite:///{data / 'roundtable.db'}"}
    process = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(app or ROOT / "studio" / "app.py"), "--server.port", str(port),
         "--server.address", "127.0.0.1", "--server.headless", "true", "--browser.gatherUsageStats", "false",
         "--server.fileWatcherType", "none", *options],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    return process, f"http://127.0.0.1:{port}"


def wait_healthy(url: str, process: subprocess.Popen[bytes], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("the studio exited")
        try:
            if urllib.request.urlopen(f"{url}/_stcore/health", timeout=1).read() == b"ok":
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("the studio did not start")


def cpu_seconds(pid: int) -> float:
    """CPU time the process has used, all threads (Linux)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def wait_cpu_idle(pid: int, timeout: float = 120) -> float:
    """Wait until the server uses under 5% of a CPU for a second (background imports are done)."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        before = cpu_seconds(pid)
        time.sleep(1.0)
        if cpu_seconds(pid) - before < 0.05:
            break
    return time.monotonic() - started


def rendered(page, title: str, timeout: float = 60_000) -> None:  # type: ignore[no-untyped-def]
    page.wait_for_function(RENDERED, arg=[title], polling="raf", timeout=timeout)


def cold_starts(browser, count: int, baseline: bool = False) -> list[dict[str, float]]:  # type: ignore[no-untyped-def]
    results = []
    for _ in range(count):
        with tempfile.TemporaryDirectory() as folder:
            app = baseline_app(Path(folder)) if baseline else None
            page = browser.new_page(viewport={"width": 1400, "height": 900})
            started = time.perf_counter()
            process, url = start_studio(Path(folder), app)
            try:
                wait_healthy(url, process)
                healthy = time.perf_counter()
                page.goto(url)
                rendered(page, "Playground")
                done = time.perf_counter()
                results.append({"server": healthy - started, "page": done - healthy, "total": done - started})
            finally:
                page.close()
                process.terminate()
                process.wait(timeout=10)
    return results


def page_switches(browser, rounds: int) -> dict[str, dict[str, list[float]]]:  # type: ignore[no-untyped-def]
    """Switch times for Roundtable and the baseline, taken in turns so both see the same machine load."""
    times: dict[str, dict[str, list[float]]] = {"roundtable": {}, "no_gc": {}, "baseline": {}}
    with tempfile.TemporaryDirectory() as ours, tempfile.TemporaryDirectory() as no_gc, \
            tempfile.TemporaryDirectory() as theirs:
        servers = {
            "roundtable": start_studio(Path(ours)),
            "no_gc": start_studio(Path(no_gc), None, "--runner.postScriptGC", "false"),
            "baseline": start_studio(Path(theirs), baseline_app(Path(theirs))),
        }
        pages = {}
        try:
            for name, (process, url) in servers.items():
                wait_healthy(url, process)
                pages[name] = browser.new_page(viewport={"width": 1400, "height": 900})
                pages[name].goto(url)
                rendered(pages[name], "Playground")
                pages[name].evaluate(CLICK_CLOCK)
                for title in DESIGN_PAGES:  # warm-up: each page once (first imports, widget code)
                    pages[name].get_by_test_id("stSidebarNavLink").filter(has_text=title).click()
                    rendered(pages[name], title)
            for process, _ in servers.values():  # steady state: the studio's background litellm import is over
                wait_cpu_idle(process.pid)
            for _ in range(rounds):
                for title in DESIGN_PAGES:
                    for name, page in pages.items():
                        page.bring_to_front()
                        page.get_by_test_id("stSidebarNavLink").filter(has_text=title).click()
                        rendered(page, title)
                        # In the page's own clock: from the click event to the frame the page was complete in.
                        elapsed = page.evaluate("(window.__doneAt - window.__clickAt) / 1000")
                        times[name].setdefault(title, []).append(elapsed)
        finally:
            for page in pages.values():
                page.close()
            for process, _ in servers.values():
                process.terminate()
                process.wait(timeout=10)
    return times


_PROBE = """
import json, sys, time
started = time.perf_counter()
from streamlit.testing.v1 import AppTest
at = AppTest.from_file(sys.argv[1], default_timeout=120)
at.switch_page(sys.argv[2])
at.run()
assert not at.exception, [e.value for e in at.exception]
print(json.dumps({"seconds": time.perf_counter() - started, "heavy": [m for m in sys.argv[3:] if m in sys.modules]}))
"""


def page_imports() -> dict[str, dict[str, object]]:
    """Each page in a fresh process: its first run's time and the heavy modules it imported."""
    found = {}
    with tempfile.TemporaryDirectory() as folder:
        env = {**os.environ, "ROUNDTABLE_DATA_DIR": folder, "ROUNDTABLE_DATABASE_URL": f"sqlite:///{folder}/r.db",
               "PYTHONPATH": str(ROOT)}
        for title, name in PAGE_FILES.items():
            out = subprocess.run(
                [sys.executable, "-c", _PROBE, str(ROOT / "studio" / "app.py"), f"views/{name}.py", *HEAVY],
                env=env, capture_output=True, text=True, timeout=300, cwd=ROOT, check=False,
            )
            line = [x for x in out.stdout.splitlines() if x.startswith("{")]
            found[title] = json.loads(line[-1]) if line else {"seconds": float("nan"), "heavy": [out.stderr[-300:]]}
    return found


def summary(values: list[float]) -> str:
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return f"{statistics.median(ordered):.2f} / {p95:.2f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cold", type=int, default=3, help="cold starts to measure")
    parser.add_argument("--rounds", type=int, default=3, help="passes over the design pages")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        try:
            cold: list[dict[str, float]] = []
            cold_base: list[dict[str, float]] = []
            for _ in range(args.cold):  # in turns, so both see the same machine load
                cold += cold_starts(browser, 1)
                cold_base += cold_starts(browser, 1, baseline=True)
            both = page_switches(browser, args.rounds)
            switches, no_gc, switches_base = both["roundtable"], both["no_gc"], both["baseline"]
        finally:
            browser.close()
    imports = page_imports()
    load = os.getloadavg()[0]
    print(f"load average {load:.1f} on {os.cpu_count()} CPUs\n")
    print("| cold start | server up (s) | first page rendered (s) | total (s) |\n|---|---:|---:|---:|")
    for index, item in enumerate(cold, 1):
        print(f"| run {index} | {item['server']:.2f} | {item['page']:.2f} | {item['total']:.2f} |")
    for label, runs in (("Roundtable, median", cold), ("bare Streamlit baseline, median", cold_base)):
        print(f"| {label} | {statistics.median(c['server'] for c in runs):.2f} | "
              f"{statistics.median(c['page'] for c in runs):.2f} | {statistics.median(c['total'] for c in runs):.2f} |")
    print("\n| page switch to (median / p95, s) | Roundtable | Roundtable, `runner.postScriptGC=false` | bare Streamlit |"
          "\n|---|---:|---:|---:|")
    for title in switches:
        print(f"| {title} | {summary(switches[title])} | {summary(no_gc[title])} | {summary(switches_base[title])} |")
    every = [[v for vs in runs.values() for v in vs] for runs in (switches, no_gc, switches_base)]
    print(f"| all design pages | {' | '.join(summary(values) for values in every)} |")
    print("\n| page, run alone in a fresh process | heavy modules imported |\n|---|---|")
    for title, item in imports.items():
        print(f"| {title} | {', '.join(item['heavy']) or 'none'} |")


if __name__ == "__main__":
    main()
