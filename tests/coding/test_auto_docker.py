"""The automatic choice of executor (``use_docker`` not given), proven on a real engine.

Docker is chosen only when the engine answers and the image it would use is already on this machine;
otherwise code runs locally, and a notice says precisely why.
"""

from __future__ import annotations

import os
import socket

import pytest

from components import CodeExecutionConfig, LocalCommandLineCodeExecutor
from components.coding.docker_engine import IMAGE_ENV, OFFLINE_IMAGE
from components.coding.docker_executor import DockerCommandLineCodeExecutor
from tests.support.services import missing_service


@pytest.fixture
def engine(monkeypatch: pytest.MonkeyPatch) -> None:
    """A real engine that has the offline image; AUTOGEN_USE_DOCKER unset so the choice is automatic."""
    import docker

    monkeypatch.delenv("AUTOGEN_USE_DOCKER", raising=False)
    host = os.environ.get("DOCKER_HOST") or "the local socket"
    try:  # asked directly, not through the code under test
        client = docker.from_env(timeout=10)
        client.ping()
    except docker.errors.DockerException:
        missing_service(f"Docker engine at {host}")
    try:
        client.images.get(OFFLINE_IMAGE)
    except docker.errors.ImageNotFound:
        missing_service(f"Docker image {OFFLINE_IMAGE} (run scripts/build_sandbox_image.sh)")


def test_a_missing_sandbox_image_means_the_local_executor_and_a_notice_naming_it(
    engine: None, recorder, in_tmp, monkeypatch: pytest.MonkeyPatch
) -> None:
    made_up = f"roundtable-no-such-image-{os.getpid()}:never"
    monkeypatch.setenv(IMAGE_ENV, made_up)

    with pytest.warns(RuntimeWarning, match="WITHOUT a sandbox"):
        executor = CodeExecutionConfig(use_docker=None).build_executor()

    assert isinstance(executor, LocalCommandLineCodeExecutor)
    [notice] = recorder.of("notice")
    assert notice.message.startswith(f"The sandbox image {made_up} is not on this machine")
    assert f"docker pull {made_up}" in notice.message
    assert "scripts/build_sandbox_image.sh" in notice.message and IMAGE_ENV in notice.message
    assert "Docker is not available" not in notice.message


def test_the_sandbox_image_on_this_machine_means_docker(
    engine: None, recorder, in_tmp, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(IMAGE_ENV, OFFLINE_IMAGE)

    executor = CodeExecutionConfig(use_docker=None).build_executor()
    try:
        assert isinstance(executor, DockerCommandLineCodeExecutor)
        assert executor.image == OFFLINE_IMAGE
        assert recorder.of("notice") == []
    finally:
        executor.close()


def test_the_image_given_in_the_config_is_the_one_looked_for(
    engine: None, recorder, in_tmp, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(IMAGE_ENV, OFFLINE_IMAGE)
    made_up = f"roundtable-no-such-image-{os.getpid()}:never"

    with pytest.warns(RuntimeWarning):
        executor = CodeExecutionConfig(image=made_up).build_executor()

    assert isinstance(executor, LocalCommandLineCodeExecutor)
    [notice] = recorder.of("notice")
    assert f"The sandbox image {made_up} is not on this machine" in notice.message


def test_no_engine_means_the_local_executor_and_a_notice_saying_so(
    recorder, in_tmp, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("AUTOGEN_USE_DOCKER", raising=False)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        closed = sock.getsockname()[1]
    monkeypatch.setenv("DOCKER_HOST", f"tcp://127.0.0.1:{closed}")

    with pytest.warns(RuntimeWarning):
        executor = CodeExecutionConfig(use_docker=None).build_executor()

    assert isinstance(executor, LocalCommandLineCodeExecutor)
    [notice] = recorder.of("notice")
    assert notice.message == (
        "Docker is not available, so code runs on this machine WITHOUT a sandbox. Start Docker "
        "(or set use_docker=False to silence this notice)."
    )
