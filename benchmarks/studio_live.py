"""Live view latency and replay opening time, in real headless Chromium.

1. Live: a 200-message group chat (two agents on the scripted model server, 0.1 s per reply) is started
   from the Playground. A MutationObserver in the page records when each message's text first appears;
   the latency is that moment minus the event's timestamp (written when the engine emitted it). The same
   run is watched at the same time by the baseline viewer a Streamlit user would write first
   (``_fragment_viewer.py``: a fragment redrawing all messages every 0.25 s).
2. Replay: a stored run of 2,000 messages is opened at ``/replay?run=<id>`` and timed until its last
   message is on screen and the script is idle; the baseline viewer opens the same run.

    python benchmarks/studio_live.py [--messages 200] [--replay-messages 2000]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from components.events import ChatFinished, ChatStarted, MessageSent  # noqa: E402
from components.llm.scripted import ScriptedLLMServer, say  # noqa: E402
from storage import open_database  # noqa: E402
from storage.designs import resolve_team, save_agent, save_model, save_team  # noqa: E402
from storage.documents import AgentSpec, ModelSpec, TeamSpec  # noqa: E402
from storage.eventlog import append_events, events_after  # noqa: E402
from storage.runs import create_run, set_run_status  # noqa: E402
from storage.secrets import store_api_key  # noqa: E402
from tests.support.studio import browser_page, chromium, new_page, studio_server, wait_until_idle  # noqa: E402

OBSERVER = """
window.__seen = {};
const record = (text) => {
  if (!text) return;
  const now = Date.now() / 1000;
  for (const m of text.matchAll(/msg-(\\d{4})/g)) {
    if (!(m[1] in window.__seen)) window.__seen[m[1]] = now;
  }
};
new MutationObserver((mutations) => {
  for (const mutation of mutations) {
    if (mutation.type === "characterData") record(mutation.target.textContent);
    for (const node of mutation.addedNodes) record(node.textContent);
  }
}).observe(document, {subtree: true, childList: true, characterData: true});
"""


def seed(db_url: str, api_base: str) -> None:
    db = open_database(db_url)
    for name in ("alpha", "beta"):
        save_model(db, ModelSpec(name=f"{name} model", model=f"openai/bench-{name}", api_base=api_base,
                                 stream=False, extra={"max_retries": 0}))
        store_api_key(db, f"{name} model", "sk-bench")
        save_agent(db, AgentSpec(name=name, kind="assistant", model=f"{name} model"))
    save_team(db, TeamSpec(name="Bench", kind="group", members=["alpha", "beta"], initiator="alpha",
                           speaker_selection="round_robin", max_round=10_000))
    db.close()


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def live_latency(url: str, viewer_url: str, db_url: str, count: int) -> dict[str, list[float]]:
    """Start a run from the Playground, watch it there and in the baseline viewer; latencies in seconds."""
    with chromium() as browser:
        studio_page, baseline_page = new_page(browser, height=1000), new_page(browser, height=1000)
        studio_page.add_init_script(OBSERVER)
        baseline_page.add_init_script(OBSERVER)
        studio_page.goto(url)
        wait_until_idle(studio_page)
        studio_page.get_by_label("Task").fill("msg-0000 start counting")
        studio_page.get_by_role("button", name="Run", exact=True).click()
        studio_page.wait_for_url("**/?run=*")
        run_id = int(studio_page.url.split("run=")[1])
        baseline_page.goto(f"{viewer_url}/?run={run_id}")
        deadline = time.monotonic() + count * 2 + 120
        last = f"{count:04d}"
        while time.monotonic() < deadline:
            if last in studio_page.evaluate("window.__seen") and last in baseline_page.evaluate("window.__seen"):
                break
            time.sleep(0.5)
        seen = {"Roundtable live view": studio_page.evaluate("window.__seen"),
                "fragment redraw (baseline)": baseline_page.evaluate("window.__seen")}
    db = open_database(db_url)
    emitted = {}
    for stored in events_after(db, run_id, 0):
        if isinstance(stored.event, MessageSent) and str(stored.event.content).startswith("msg-"):
            emitted[str(stored.event.content)[4:8]] = stored.event.ts
    db.close()
    return {
        name: [seen_at[key] - emitted[key] for key in emitted if key in seen_at and key != "0000"]
        for name, seen_at in seen.items()
    }


def stored_replay_run(db_url: str, count: int) -> int:
    """A finished run of ``count`` messages, written straight into the event log."""
    db = open_database(db_url)
    run_id = create_run(db, resolve_team(db, "Bench"), f"replay of {count} messages")
    set_run_status(db, run_id, "running")
    start = time.time() - count
    events = [ChatStarted(chat_id="c", initiator="alpha", recipient="chat_manager", ts=start)]
    for i in range(1, count + 1):
        sender = "alpha" if i % 2 else "beta"
        text = f"msg-{i:04d} " + "A reply of an ordinary length, with a few sentences of content. " * 3
        events.append(MessageSent(sender=sender, recipient="chat_manager", role="assistant", content=text,
                                  name=sender, ts=start + i * 0.5))
    events.append(ChatFinished(chat_id="c", initiator="alpha", recipient="chat_manager", reason="bench",
                               ts=start + count))
    for chunk in range(0, len(events), 500):
        append_events(db, run_id, events[chunk:chunk + 500])
    set_run_status(db, run_id, "completed")
    db.close()
    return run_id


def open_time(page_url: str, last: str, idle: bool) -> float:
    with browser_page(height=1000) as page:
        page.add_init_script(OBSERVER)
        started = time.monotonic()
        page.goto(page_url)
        page.wait_for_function(f"() => '{last}' in window.__seen", timeout=120_000)
        if idle:
            wait_until_idle(page, timeout=120_000)
        return time.monotonic() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=200)
    parser.add_argument("--replay-messages", type=int, default=2000)
    parser.add_argument("--reply-delay", type=float, default=0.1)
    args = parser.parse_args()

    counter = {"n": 0}

    def reply(body) -> object:  # type: ignore[no-untyped-def]
        counter["n"] += 1
        return say(f"msg-{counter['n']:04d}" if counter["n"] <= args.messages - 1 else "TERMINATE",
                   delay_s=args.reply_delay)

    with ExitStack() as stack:
        data = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        llm = stack.enter_context(ScriptedLLMServer(default=reply))
        db_url = f"sqlite:///{data / 'roundtable.db'}"
        seed(db_url, llm.url)
        url = stack.enter_context(studio_server(data))
        viewer_dir = data / "viewer"
        viewer_dir.mkdir()
        viewer = stack.enter_context(studio_server(
            viewer_dir, env={"ROUNDTABLE_DATABASE_URL": db_url}, script=ROOT / "benchmarks" / "_fragment_viewer.py"))
        latencies = live_latency(url, viewer, db_url, args.messages - 1)
        small_id = stored_replay_run(db_url, 10)
        replay_id = stored_replay_run(db_url, args.replay_messages)
        last = f"{args.replay_messages:04d}"
        open_time(f"{url}/replay?run={small_id}", "0010", idle=True)  # warm-up: first page load of the server
        opened = {
            "Roundtable replay page": (
                open_time(f"{url}/replay?run={small_id}", "0010", idle=True),
                open_time(f"{url}/replay?run={replay_id}", last, idle=True),
            ),
            "fragment redraw (baseline)": (
                open_time(f"{viewer}/?run={small_id}", "0010", idle=False),
                open_time(f"{viewer}/?run={replay_id}", last, idle=False),
            ),
        }

    print(f"\nLive view: {args.messages} messages, one every {args.reply_delay:g} s + model round trip")
    print("| viewer | messages seen | median latency (s) | p95 latency (s) | max (s) |")
    print("|---|---:|---:|---:|---:|")
    for name, values in latencies.items():
        if values:
            print(f"| {name} | {len(values)} | {statistics.median(values):.3f} | {percentile(values, 0.95):.3f} | "
                  f"{max(values):.3f} |")
        else:
            print(f"| {name} | 0 | - | - | - |")
    print("\nOpening a stored run in a new tab: navigation until its last message is on screen (and idle), seconds")
    print(f"| viewer | 10 messages (page-load floor) | {args.replay_messages} messages | difference |")
    print("|---|---:|---:|---:|")
    for name, (small, big) in opened.items():
        print(f"| {name} | {small:.2f} | {big:.2f} | {big - small:+.2f} |")


if __name__ == "__main__":
    main()
