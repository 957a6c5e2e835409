"""How a run asks a human: the question is stored (so any process can show and answer it), and the run
waits for the answer its control loop relays, for at most the input timeout."""

from __future__ import annotations

import dataclasses
import queue
import time
from collections.abc import Callable

from components.errors import HumanInputTimeout
from components.runtime import InputRequest
from storage import Database
from storage.control import set_pending
from studio.runs.writer import RunHandle


def ask_human(db: Database, handle: RunHandle, timeout_s: float) -> Callable[[InputRequest], str]:
    """The input function of the run ``handle``: store the question, wait for its answer (a Stop ends
    the wait), give up with a sentence after ``timeout_s``."""

    def ask(request: InputRequest) -> str:
        set_pending(db, handle.run_id, dataclasses.asdict(request))
        handle.pending = request
        deadline = time.monotonic() + timeout_s
        try:
            while True:
                try:
                    request_id, text = handle.answers.get(timeout=0.1)
                except queue.Empty:
                    handle.cancellation.raise_if_cancelled()
                    if time.monotonic() > deadline:
                        raise HumanInputTimeout(
                            f"nobody answered {request.agent}'s question within {timeout_s / 60:g} minutes; "
                            "the conversation so far is saved: continue it from History"
                        ) from None
                    continue
                if request_id == request.request_id:
                    return text
        finally:
            handle.pending = None
            if not handle.cancellation.cancelled:
                set_pending(db, handle.run_id, None)

    return ask
