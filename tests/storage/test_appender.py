"""The run executor's appender (``storage.appender``): a kept connection that counts seqs itself, yet stays
gap-free beside other writers, and neither loses nor doubles an event when its connection breaks, even
when the break hides whether a COMMIT happened (a real proxy in front of the real PostgreSQL cuts it)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest

from components.events import MessageSent, Usage
from storage import Database, NotFoundError, open_database
from storage.appender import EventAppender
from storage.eventlog import append_events, events_after
from storage.runs import create_run, get_run
from tests.storage.conftest import postgres_schema_url
from tests.storage.helpers import sample_document
from tests.support.pg_proxy import CuttingProxy, cutting_proxy


def message(text: str) -> MessageSent:
    return MessageSent(sender="w", recipient="r", role="user", content=text)


def contents(db: Database, run_id: int) -> list[str]:
    return [s.event.content for s in events_after(db, run_id)]


def test_the_appender_counts_on_and_recounts_after_another_writer(db: Database) -> None:
    run_id = create_run(db, sample_document(), "t")
    appender = EventAppender(db, run_id)
    try:
        assert appender.append([message("a")]) == 1
        assert appender.append([message("b"), message("c")]) == 3
        assert append_events(db, run_id, [message("from elsewhere")]) == 4  # e.g. the engine's error note
        assert appender.append([message("d")]) == 5  # its count was stale: the key refused, it counted again
        assert appender.append([]) == 5
    finally:
        appender.close()
    assert [s.seq for s in events_after(db, run_id)] == [1, 2, 3, 4, 5]
    assert contents(db, run_id) == ["a", "b", "c", "from elsewhere", "d"]
    assert append_events(db, run_id, [message("after close")]) == 6


def test_usage_adds_up_through_the_appender(db: Database) -> None:
    run_id = create_run(db, sample_document(), "t")
    appender = EventAppender(db, run_id)
    for _ in range(3):
        appender.append([Usage(agent="coder", model="m", prompt_tokens=10, completion_tokens=2, cost=0.5)])
    appender.close()
    (usage,) = get_run(db, run_id).usage
    assert (usage.calls, usage.prompt_tokens, usage.completion_tokens, usage.cost) == (3, 30, 6, 1.5)


def test_appending_to_a_missing_run_is_refused(db: Database) -> None:
    appender = EventAppender(db, 4242)
    with pytest.raises(NotFoundError, match="there is no run 4242"):
        appender.append([message("x")])
    appender.close()


def test_appenders_and_plain_appends_of_one_run_stay_gap_free(db: Database) -> None:
    """Two appenders (a run's executor and a second writer) and two plain writers on one run, plus eight
    runs with one appender each, all at once."""
    runs = [create_run(db, sample_document(), f"run {i}") for i in range(9)]
    errors: list[BaseException] = []

    def write(run_id: int, name: str, count: int, kept: bool) -> None:
        appender = EventAppender(db, run_id) if kept else None
        try:
            for number in range(count):
                event = [message(f"{name} {number}")]
                appender.append(event) if appender else append_events(db, run_id, event)
        except BaseException as error:  # noqa: BLE001 (reported below)
            errors.append(error)
        finally:
            if appender:
                appender.close()

    threads = [threading.Thread(target=write, args=(run_id, "solo", 100, True)) for run_id in runs[:8]]
    threads += [threading.Thread(target=write, args=(runs[8], f"w{n}", 60, n < 2)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    for run_id in runs[:8]:
        assert [s.seq for s in events_after(db, run_id)] == list(range(1, 101))
        assert contents(db, run_id) == [f"solo {n}" for n in range(100)]
    shared = contents(db, runs[8])
    assert len(shared) == len(set(shared)) == 240
    assert [s.seq for s in events_after(db, runs[8])] == list(range(1, 241))
    for name in ("w0", "w1", "w2", "w3"):  # each writer's events in its own order
        assert [c for c in shared if c.startswith(name + " ")] == [f"{name} {n}" for n in range(60)]


@pytest.fixture
def through_proxy(postgres_admin) -> Iterator[tuple[Database, Database, CuttingProxy]]:  # type: ignore[no-untyped-def]
    """(direct, through_proxy, proxy): one fresh PostgreSQL schema opened directly and through a proxy."""
    for url in postgres_schema_url(postgres_admin):
        direct = open_database(url)
        with cutting_proxy(url) as proxy:
            proxied = open_database(proxy.url(url))
            try:
                yield direct, proxied, proxy
            finally:
                proxied.close()
                direct.close()


@pytest.mark.parametrize("cut", [b"COMMIT", b"INSERT INTO events"])
def test_a_broken_connection_neither_loses_nor_doubles_an_event(through_proxy, cut: bytes) -> None:  # type: ignore[no-untyped-def]
    """Cut after COMMIT reached the server (it committed, the appender never heard) or after the INSERT
    (the server rolls it back): either way the event is stored exactly once, and counting goes on."""
    direct, proxied, proxy = through_proxy
    run_id = create_run(direct, sample_document(), "t")
    appender = EventAppender(proxied, run_id)
    try:
        assert appender.append([message("before")]) == 1
        proxy.cut_after(cut)
        assert appender.append([message("cut"), message("cut too")]) == 3
        assert proxy.cuts == 1
        assert appender.append([message("after")]) == 4
    finally:
        appender.close()
    assert contents(direct, run_id) == ["before", "cut", "cut too", "after"]
    assert [s.seq for s in events_after(direct, run_id)] == [1, 2, 3, 4]


def test_an_unknown_commit_is_found_even_after_another_writer_appended(through_proxy) -> None:  # type: ignore[no-untyped-def]
    direct, proxied, proxy = through_proxy
    run_id = create_run(direct, sample_document(), "t")
    appender = EventAppender(proxied, run_id)
    try:
        appender.append([message("first")])
        proxy.cut_after(b"COMMIT")
        done = threading.Event()

        def meanwhile() -> None:  # lands while the appender reconnects (its events are already committed)
            while proxy.cuts == 0:
                time.sleep(0.01)
            append_events(direct, run_id, [message("other writer")])
            done.set()

        other = threading.Thread(target=meanwhile)
        other.start()
        assert appender.append([message("unsure")]) in (2, 3)
        other.join()
        assert done.is_set()
        assert appender.append([message("last")]) == 4
    finally:
        appender.close()
    stored = contents(direct, run_id)
    assert sorted(stored[1:3]) == ["other writer", "unsure"] and stored[0] == "first" and stored[3] == "last"
