"""Storage benchmark: how fast events are appended and a run is loaded for replay.

    python -m benchmarks.storage [--events 5000] [--rounds 3] [--postgres-url URL]

Measures Roundtable's event log (``storage.eventlog``) on SQLite and PostgreSQL, next to two things a
user might write instead: raw ``sqlite3`` (one INSERT + COMMIT per event, same WAL settings) and a JSON
lines file (one write + flush per event). Every event is committed before the next is appended, as
the studio does (through the run's ``EventAppender``; the "append_events" row is the same without a kept
connection); "batch" rows append 50 events per call. Each figure is the best of ``--rounds``
rounds, which run every column in turn. The PostgreSQL URL defaults to
``$ROUNDTABLE_TEST_POSTGRES_URL``; its column is skipped without one.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import statistics
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import closing, contextmanager
from pathlib import Path

from sqlalchemy import create_engine, make_url, text

from components.events import Event, MessageSent, SpeakerSelected, Usage, event_from_json, event_to_json
from storage import Database, open_database
from storage.appender import EventAppender
from storage.documents import AgentSpec, TeamDocument, TeamSpec
from storage.eventlog import append_events, events_after
from storage.runs import create_run

THREADS = 8
BATCH = 50
SNAPSHOT = TeamDocument(
    team=TeamSpec(name="bench", members=["user", "coder"], initiator="user"),
    agents=[
        AgentSpec(name="user", kind="user_proxy"),
        AgentSpec(name="coder", system_message="You are a helpful AI assistant. " * 50),
    ],  # ~1.6 kB, like AutoGen's
)
Result = dict[str, float | None]


def sample_events(count: int) -> list[Event]:
    """A conversation-like mix: mostly ~400-character messages, some speaker and usage events."""
    events: list[Event] = []
    for number in range(count):
        if number % 10 == 0:
            events.append(SpeakerSelected(speaker="coder", method="auto", reason="next step", round=number))
        elif number % 10 == 1:
            events.append(
                Usage(agent="coder", model="gpt-4o-mini", prompt_tokens=500, completion_tokens=80, cost=1e-4)
            )
        else:
            events.append(
                MessageSent(
                    sender="coder",
                    recipient="user",
                    role="assistant",
                    content=f"Step {number}: " + "lorem ipsum dolor sit amet " * 15,
                )
            )
    return events


def rate(count: int, seconds: float) -> float:
    return count / seconds


def timed(action: Callable[[], object]) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def median_load(load: Callable[[], Sequence[object]], expected: int) -> float:
    times = []
    for _ in range(5):
        start = time.perf_counter()
        assert len(load()) == expected
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def bench_roundtable(db: Database, events: list[Event]) -> Result:
    """As the studio and workers append: the run's executor appends through its ``EventAppender``."""
    single = create_run(db, SNAPSHOT, "single")
    one_by_one = timed(lambda: appended_one_by_one(db, single, events))
    pooled = create_run(db, SNAPSHOT, "pooled")
    without_appender = timed(lambda: [append_events(db, pooled, [event]) for event in events])
    batched = create_run(db, SNAPSHOT, "batched")
    in_batches = timed(
        lambda: [append_events(db, batched, events[i : i + BATCH]) for i in range(0, len(events), BATCH)]
    )
    runs = [create_run(db, SNAPSHOT, f"thread {n}") for n in range(THREADS)]
    share = events[: len(events) // THREADS]
    threads = [threading.Thread(target=appended_one_by_one, args=(db, run_id, share)) for run_id in runs]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    concurrent = time.perf_counter() - start
    return {
        "single": rate(len(events), one_by_one),
        "pooled": rate(len(events), without_appender),
        "batch": rate(len(events), in_batches),
        "concurrent": rate(len(share) * THREADS, concurrent),
        "load": median_load(lambda: events_after(db, single), len(events)),
    }


def appended_one_by_one(db: Database, run_id: int, events: list[Event]) -> None:
    appender = EventAppender(db, run_id)
    try:
        for event in events:
            appender.append([event])
    finally:
        appender.close()


def bench_raw_sqlite(path: Path, events: list[Event]) -> Result:
    with closing(sqlite3.connect(path, isolation_level=None)) as connection:
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("PRAGMA synchronous=NORMAL")
        connection.execute(
            "CREATE TABLE events (run_id INTEGER, seq INTEGER, kind TEXT, payload TEXT,"
            " PRIMARY KEY (run_id, seq))"
        )

        def one_by_one() -> None:
            for seq, event in enumerate(events, 1):
                connection.execute("BEGIN IMMEDIATE")
                connection.execute(
                    "INSERT INTO events VALUES (1, ?, ?, ?)", (seq, event.kind, event_to_json(event))
                )
                connection.execute("COMMIT")

        def in_batches() -> None:
            for start in range(0, len(events), BATCH):
                connection.execute("BEGIN IMMEDIATE")
                connection.executemany(
                    "INSERT INTO events VALUES (2, ?, ?, ?)",
                    [
                        (start + offset, e.kind, event_to_json(e))
                        for offset, e in enumerate(events[start : start + BATCH], 1)
                    ],
                )
                connection.execute("COMMIT")

        def load() -> list[Event]:
            rows = connection.execute("SELECT payload FROM events WHERE run_id = 1 ORDER BY seq").fetchall()
            return [event_from_json(payload) for (payload,) in rows]

        return {
            "single": rate(len(events), timed(one_by_one)),
            "batch": rate(len(events), timed(in_batches)),
            "concurrent": None,
            "load": median_load(load, len(events)),
        }


def bench_plain_psycopg(url: str, events: list[Event]) -> Result:
    """What a user would write by hand on PostgreSQL: psycopg, one kept connection per writer, a plain
    INSERT + COMMIT per event (with the sequence number known to the writer), ``synchronous_commit=off``
    as Roundtable sets it."""
    import psycopg

    dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)

    def connect() -> psycopg.Connection:
        connection = psycopg.connect(dsn)
        connection.execute("SET synchronous_commit TO OFF")
        connection.commit()
        return connection

    with connect() as connection:
        connection.execute("CREATE TABLE plain_events (run_id INTEGER, seq INTEGER, kind TEXT, payload TEXT,"
                           " PRIMARY KEY (run_id, seq))")
        connection.commit()

    def append(run_id: int, share: list[Event]) -> None:
        with connect() as connection:
            for seq, event in enumerate(share, 1):
                connection.execute("INSERT INTO plain_events VALUES (%s, %s, %s, %s)",
                                   (run_id, seq, event.kind, event_to_json(event)))
                connection.commit()

    single = timed(lambda: append(1, events))
    share = events[: len(events) // THREADS]
    threads = [threading.Thread(target=append, args=(100 + n, share)) for n in range(THREADS)]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    concurrent = time.perf_counter() - start
    return {"single": rate(len(events), single), "batch": None,
            "concurrent": rate(len(share) * THREADS, concurrent), "load": None}


def bench_jsonl(path: Path, events: list[Event]) -> Result:
    def one_by_one() -> None:
        with path.open("a", encoding="utf-8") as file:
            for event in events:
                file.write(event_to_json(event) + "\n")
                file.flush()

    def load() -> list[Event]:
        with path.open(encoding="utf-8") as file:
            return [event_from_json(line) for line in file]

    return {
        "single": rate(len(events), timed(one_by_one)),
        "batch": None,
        "concurrent": None,
        "load": median_load(load, len(events)),
    }


@contextmanager
def postgres_schema(url: str) -> Iterator[str]:
    """A fresh schema in the database at ``url``, dropped afterwards."""
    admin = create_engine(url)
    schema = f"bench_{uuid.uuid4().hex[:8]}"
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield admin.url.update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(
            hide_password=False
        )
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def show(columns: dict[str, Result], count: int) -> None:
    rows = [
        ("append, 1 event per commit (events/s)", "single", "{:,.0f}"),
        ("  the same through append_events (pool) (events/s)", "pooled", "{:,.0f}"),
        (f"append, {BATCH} events per commit (events/s)", "batch", "{:,.0f}"),
        (f"append, {THREADS} runs at once, 1 per commit (events/s)", "concurrent", "{:,.0f}"),
        (f"load a {count:,}-event run for replay (s)", "load", "{:.3f}"),
    ]
    width = max(len(label) for label, _, _ in rows)
    print(f"{'':{width}}" + "".join(f" | {name:>20}" for name in columns))
    print("-" * width + "".join(" | " + "-" * 20 for _ in columns))
    for label, key, style in rows:
        cells = [style.format(r[key]) if r.get(key) is not None else "n/a" for r in columns.values()]
        print(f"{label:{width}}" + "".join(f" | {cell:>20}" for cell in cells))


def best(results: list[Result]) -> Result:
    """Per measurement, the best of the rounds: other work on the machine only ever slows a round down."""
    combined: Result = {}
    for key in results[0]:
        values = [r[key] for r in results if r[key] is not None]
        combined[key] = (min(values) if key == "load" else max(values)) if values else None
    return combined


def one_round(scratch: Path, number: int, events: list[Event], postgres_url: str | None) -> dict[str, Result]:
    """Every column once, one after the other, each on fresh files / a fresh schema."""
    columns: dict[str, Result] = {}
    db = open_database(f"sqlite:///{scratch}/roundtable-{number}.db")
    columns["Roundtable SQLite"] = bench_roundtable(db, events)
    db.close()
    if postgres_url:
        with postgres_schema(postgres_url) as url:
            db = open_database(url)
            columns["Roundtable PostgreSQL"] = bench_roundtable(db, events)
            db.close()
            columns["plain psycopg"] = bench_plain_psycopg(url, events)
    columns["raw sqlite3"] = bench_raw_sqlite(scratch / f"raw-{number}.db", events)
    columns["JSON lines file"] = bench_jsonl(scratch / f"events-{number}.jsonl", events)
    return columns


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=3, help="report the best of this many rounds")
    parser.add_argument("--postgres-url", default=os.environ.get("ROUNDTABLE_TEST_POSTGRES_URL"))
    args = parser.parse_args()
    events = sample_events(args.events)
    with tempfile.TemporaryDirectory() as scratch:
        rounds = [one_round(Path(scratch), n, events, args.postgres_url) for n in range(args.rounds)]
    columns = {name: best([r[name] for r in rounds]) for name in rounds[0]}
    show(columns, args.events)
    ours, plain = columns.get("Roundtable PostgreSQL"), columns.get("plain psycopg")
    if ours and plain:
        print("\nRoundtable PostgreSQL / plain psycopg: "
              + ", ".join(f"{key} {ours[key] / plain[key]:.2f}x" for key in ("single", "concurrent")))  # type: ignore[operator]


if __name__ == "__main__":
    main()
