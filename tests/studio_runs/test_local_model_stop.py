"""Stopping a run while the built-in model writes frees the model for every other run (the real model).

Found by CI: a stopped run's half-read stream kept the model's lock, so the next local run waited forever.
"""

from __future__ import annotations

import time

from components.llm import local_model
from components.llm.litellm_loader import get_litellm
from studio.defaults import builtin_model
from studio.gallery import customise, gallery_team


def test_a_run_stopped_mid_reply_releases_the_built_in_model(engine) -> None:
    get_litellm()  # imported already, so the stop lands while the model is writing, not during the import
    light = builtin_model().model_copy(update={"model": local_model.LIGHT_MODEL})  # the lock is the same for all
    run_id = engine.start(customise(gallery_team("coder_executor").document, light), "Print the first 10 square numbers.")
    handle = engine.handle(run_id)
    deadline = time.monotonic() + 120
    while not handle.streaming and not handle.done.is_set() and time.monotonic() < deadline:
        time.sleep(0.01)
    assert handle.streaming, "the model never started writing"
    engine.stop(run_id, "stopped mid-reply")
    assert engine.wait(run_id, 30)
    assert local_model._lock.acquire(timeout=10), "the stopped run still holds the built-in model"
    local_model._lock.release()
