"""The default built-in model with its real weights: assembled from the installed chunks, checked, and
solving a demo task end to end through the gallery's Coder + Executor team (code run by the executor).

requirements.txt installs the weights, so under CI=true their absence is a failure, not a skip.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from components import CodeFinished, EventBus
from components.llm import local_choice, weights
from components.llm.local_catalog import BUILTIN_MODELS, DEFAULT_LOCAL_MODEL
from components.runtime import run_context
from studio.builder import build_team
from studio.defaults import builtin_model
from studio.gallery import customise, gallery_team
from tests.support.services import missing_service

pytestmark = pytest.mark.timeout(900)


@pytest.fixture
def default_weights(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The default model's file, assembled into this test's own model folder (so the assembly is tested too)."""
    monkeypatch.setenv(weights.MODEL_DIR_ENV, str(tmp_path / "models"))
    monkeypatch.delenv(local_choice.MODEL_PATH_ENV, raising=False)
    model = BUILTIN_MODELS[DEFAULT_LOCAL_MODEL]
    try:
        weights.parts_present(model.weights, model.install)  # type: ignore[arg-type]
    except weights.WeightsRefused as exc:
        missing_service(f"the default local model's weights ({exc})")
    return tmp_path / "models" / model.weights.file_name


def test_the_default_model_is_assembled_checked_and_chosen(default_weights: Path) -> None:
    choice = local_choice.resolve(DEFAULT_LOCAL_MODEL)
    assert (choice.path, choice.serving, choice.note) == (
        str(default_weights), BUILTIN_MODELS[DEFAULT_LOCAL_MODEL], None
    )
    assert default_weights.stat().st_size == BUILTIN_MODELS[DEFAULT_LOCAL_MODEL].weights.size


def test_the_default_model_solves_a_demo_task_with_the_executor(default_weights: Path, tmp_path: Path) -> None:
    # Greedy decoding: the same answer every time on a given build, so the test is not a dice roll.
    spec = builtin_model().model_copy(update={"temperature": 0.0})
    assert spec.model == DEFAULT_LOCAL_MODEL
    document = customise(gallery_team("coder_executor").document, spec)
    built = build_team(document, tmp_path / "run")
    events: list = []
    bus = EventBus()
    bus.subscribe(events.append)
    try:
        with run_context(bus=bus):
            built.initiator.initiate_chat(
                built.recipient, message=gallery_team("coder_executor").example_task, **built.chat_kwargs
            )
    finally:
        built.close()
    runs = [e for e in events if isinstance(e, CodeFinished)]
    succeeded = [r for r in runs if r.exit_code == 0]
    assert succeeded, [r.output for r in runs]
    numbers = iter(int(n) for n in re.findall(r"\d+", succeeded[-1].output))
    squares = [n * n for n in range(1, 10)]  # 1 to 81, in order, whether the model starts from 0 or from 1
    assert all(any(n == square for n in numbers) for square in squares), succeeded[-1].output
