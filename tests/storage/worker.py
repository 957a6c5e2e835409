"""A separate process that writes to a database, for crash and multi-process tests.

``python -m tests.storage.worker URL run-until-killed``: create a run, mark it running, print
``run <id>``, then append events one by one, printing each committed seq, until killed.
``python -m tests.storage.worker URL append RUN_ID N``: append N events to a run, then exit.
"""

from __future__ import annotations

import sys

from components.events import MessageSent
from storage import open_database
from storage.eventlog import append_events
from storage.runs import create_run, set_run_status
from tests.storage.helpers import sample_document


def message(number: int) -> MessageSent:
    return MessageSent(sender="coder", recipient="user", role="user", content=f"message {number}")


def main(url: str, mode: str, *args: str) -> None:
    db = open_database(url)
    if mode == "run-until-killed":
        run_id = create_run(db, sample_document(), "crash me")
        set_run_status(db, run_id, "running")
        print(f"run {run_id}", flush=True)
        for number in range(1_000_000):
            print(append_events(db, run_id, [message(number)]), flush=True)
    elif mode == "append":
        for number in range(int(args[1])):
            append_events(db, int(args[0]), [message(number)])


if __name__ == "__main__":
    main(*sys.argv[1:])
