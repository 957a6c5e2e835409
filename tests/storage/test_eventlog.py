"""Appending and reading events: order, gap-free sequence numbers, usage totals, concurrency."""

from __future__ import annotations

import threading
import typing

import pytest

from components.events import (
    EVENT_KINDS,
    EVENT_TYPES,
    ChatStarted,
    CodeFinished,
    MessageSent,
    SpeakerSelected,
    TokenDelta,
    Usage,
)
from storage import Database, NotFoundError
from storage.eventlog import append_events, events_after
from storage.runs import create_run, get_run
from tests.storage.helpers import sample_document


def example(event_type: type) -> object:
    """A valid instance of any event type, built from its field types (so new kinds are covered too)."""
    values: dict[str, object] = {}
    for name, info in event_type.model_fields.items():
        if not info.is_required():
            continue
        annotation = info.annotation
        args = typing.get_args(annotation)
        if typing.get_origin(annotation) is typing.Literal:
            values[name] = args[0]
        elif annotation in (int, float):
            values[name] = annotation(7)
        elif annotation is bool:
            values[name] = True
        else:
            values[name] = f"{name} of {event_type.__name__}"
    return event_type(**values)


def test_every_kind_is_stored_and_decoded_unchanged(db: Database) -> None:
    run_id = create_run(db, sample_document(), "Plot AAPL")
    events = [example(event_type) for event_type in EVENT_TYPES]
    assert [e.kind for e in events] == list(EVENT_KINDS)
    assert append_events(db, run_id, events) == len(events)
    stored = events_after(db, run_id)
    assert [s.event for s in stored] == events
    assert [s.seq for s in stored] == list(range(1, len(events) + 1))
    assert stored[0].ts == events[0].ts


def test_sender_and_recipient_columns_come_from_the_event(db: Database) -> None:
    run_id = create_run(db, sample_document(), "t")
    append_events(
        db,
        run_id,
        [
            ChatStarted(chat_id="c1", initiator="user", recipient="chat_manager"),
            MessageSent(sender="user", recipient="chat_manager", role="user", content="Plot AAPL"),
            SpeakerSelected(speaker="coder", method="auto", reason="writes code", round=1),
            TokenDelta(agent="coder", stream_id="s1", text="```py"),
            CodeFinished(
                agent="user", exec_id="e1", language="python", exit_code=0, output="1\n", duration_s=0.02
            ),
        ],
    )
    columns = [(s.kind, s.sender, s.recipient) for s in events_after(db, run_id)]
    assert columns == [
        ("chat_started", "user", "chat_manager"),
        ("message", "user", "chat_manager"),
        ("speaker_selected", "coder", None),
        ("token", "coder", None),
        ("code_finished", "user", None),
    ]


def test_events_after_pages_through_the_log(db: Database) -> None:
    run_id = create_run(db, sample_document(), "count")
    for number in range(10):
        last = append_events(
            db, run_id, [MessageSent(sender="a", recipient="b", role="user", content=str(number))]
        )
    assert last == 10
    assert [s.seq for s in events_after(db, run_id, 7)] == [8, 9, 10]
    assert [s.event.content for s in events_after(db, run_id, 2, limit=3)] == ["2", "3", "4"]
    assert events_after(db, run_id, 10) == []
    assert append_events(db, run_id, []) == 10


def test_usage_events_add_up_per_agent(db: Database) -> None:
    run_id = create_run(db, sample_document(), "t")
    append_events(
        db,
        run_id,
        [
            Usage(agent="coder", model="gpt-4o-mini", prompt_tokens=100, completion_tokens=10, cost=0.5),
            Usage(agent="critic", model="gpt-4o-mini", prompt_tokens=7, completion_tokens=3, cost=None),
        ],
    )
    append_events(
        db, run_id, [Usage(agent="coder", model="gpt-4o", prompt_tokens=50, completion_tokens=5, cost=0.25)]
    )
    usage = {u.agent: u for u in get_run(db, run_id).usage}
    assert (usage["coder"].calls, usage["coder"].prompt_tokens, usage["coder"].completion_tokens) == (
        2,
        150,
        15,
    )
    assert usage["coder"].cost == pytest.approx(0.75)
    assert usage["coder"].model == "gpt-4o"
    assert usage["critic"].cost is None


def test_appending_to_a_missing_run_is_refused(db: Database) -> None:
    with pytest.raises(NotFoundError, match="there is no run 4242"):
        append_events(db, 4242, [MessageSent(sender="a", recipient="b", role="user", content="x")])


def test_concurrent_writers_get_gap_free_sequences(db: Database) -> None:
    """Eight runs written at once by eight threads, plus two threads sharing a ninth run."""
    runs = [create_run(db, sample_document(), f"run {i}") for i in range(9)]
    errors: list[BaseException] = []

    def write(run_id: int, count: int, batch: int) -> None:
        try:
            for start in range(0, count, batch):
                append_events(
                    db,
                    run_id,
                    [
                        MessageSent(
                            sender="w", recipient=str(threading.get_ident()), role="user", content=str(i)
                        )
                        for i in range(start, min(start + batch, count))
                    ],
                )
        except BaseException as error:  # noqa: BLE001 (reported below)
            errors.append(error)

    threads = [
        threading.Thread(target=write, args=(run_id, 120, 1 + i % 3)) for i, run_id in enumerate(runs[:8])
    ]
    threads += [threading.Thread(target=write, args=(runs[8], 100, 1)) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    for run_id in runs[:8]:
        stored = events_after(db, run_id)
        assert [s.seq for s in stored] == list(range(1, 121))
        assert [s.event.content for s in stored] == [str(i) for i in range(120)]
    shared = events_after(db, runs[8])
    assert [s.seq for s in shared] == list(range(1, 201))
    assert len({(s.event.recipient, s.event.content) for s in shared}) == 200
    assert get_run(db, runs[8]).last_seq == 200
