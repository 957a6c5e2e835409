"""Fixtures of the hostile-input tests: the Docker ones come from the sandbox's own tests."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from storage import Database
from studio.runs.engine import RunEngine
from tests.coding.test_docker_executor import docker_client, make_executor, sandbox_image, work  # noqa: F401
from tests.studio.conftest import page, studio_db  # noqa: F401


@pytest.fixture
def make_engine(tmp_path: Path) -> Iterator[Callable[..., RunEngine]]:
    """``make_engine(db, data_dir=...)``: run engines that are closed after the test (their control loops
    would otherwise go on heartbeating into a database that is gone)."""
    engines: list[RunEngine] = []

    def make(db: Database, data_dir: Path | None = None) -> RunEngine:
        engines.append(RunEngine(db, data_dir or tmp_path / "data", input_timeout_s=30))
        return engines[-1]

    yield make
    for engine in engines:
        engine.close()
