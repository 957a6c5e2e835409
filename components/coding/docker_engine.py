"""Reaching the Docker engine, and the sandbox containers it holds beyond any one executor.

Which engine (``DOCKER_HOST``, else the local socket) and which image (``$ROUNDTABLE_SANDBOX_IMAGE``, else
``python:3-slim``); whether the engine answers, probed in a daemon thread so nothing can hang the
caller; the labels that tie a container to the process that started it, and the clean-up of containers
whose process is gone. The executor itself is in ``docker_executor``. The docker SDK is imported inside
the functions that need it: importing it costs time every page and CLI start would pay.
"""

from __future__ import annotations

import os
import signal
import socket
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from components.errors import RoundtableError

if TYPE_CHECKING:
    from docker import DockerClient

DEFAULT_IMAGE = "python:3-slim"
OFFLINE_IMAGE = "roundtable-sandbox:latest"
IMAGE_ENV = "ROUNDTABLE_SANDBOX_IMAGE"

LABEL = "roundtable.sandbox"
LABEL_HOST = "roundtable.host"
LABEL_PID = "roundtable.pid"
LABEL_STARTED = "roundtable.started"

_T = TypeVar("_T")


class DockerUnavailable(RoundtableError):
    """No Docker engine answers: the user must start one or choose the local executor."""


class SandboxImageMissing(RoundtableError):
    """The sandbox image is neither present nor pullable."""


def default_image() -> str:
    """``$ROUNDTABLE_SANDBOX_IMAGE`` if set (e.g. the offline image), else ``python:3-slim``."""
    return os.environ.get(IMAGE_ENV) or DEFAULT_IMAGE


def docker_host() -> str:
    return os.environ.get("DOCKER_HOST") or "unix:///var/run/docker.sock"


def unreachable_message() -> str:
    return f"Docker engine not reachable at {docker_host()}: start Docker or choose the local executor"


def docker_engine_status(timeout: float = 3.0) -> tuple[bool, str]:
    """(True, "Docker <version> at <host>") or (False, why not), in at most ``timeout`` seconds."""

    def probe() -> tuple[bool, str]:
        client = _connect(timeout)
        try:
            version = client.version().get("Version", "?")
        finally:
            client.close()  # asked often (the reaper, the pages): leave no connection pool behind
        return True, f"Docker {version} at {docker_host()}"

    # any failure means the same thing to the user: no engine
    return _answer_within(timeout, probe, (False, unreachable_message()))


def sandbox_image_present(image: str | None = None, timeout: float = 3.0) -> bool:
    """Whether the engine answers and has ``image`` (default ``default_image()``), in at most ``timeout``
    seconds. It never pulls: a pull can take minutes, or fail on an offline machine."""
    wanted = image or default_image()

    def probe() -> bool:
        _connect(timeout).images.get(wanted)  # raises ImageNotFound when it is not there
        return True

    return _answer_within(timeout, probe, False)


def _answer_within(timeout: float, probe: Callable[[], _T], failed: _T) -> _T:
    """``probe()``, or ``failed`` if it raises or takes longer than ``timeout`` seconds.

    The probe runs in a daemon thread so that no transport (a silent TCP host, an SSH prompt) can hang
    the caller.
    """
    answer: list[_T] = []

    def run() -> None:
        try:
            answer.append(probe())
        except Exception:  # noqa: BLE001 - every failure is the same answer
            answer.append(failed)

    thread = threading.Thread(target=run, name="docker-status", daemon=True)
    thread.start()
    thread.join(timeout)
    return answer[0] if answer else failed


def cleanup_leftover_containers() -> int:
    """Remove sandbox containers whose Roundtable process on this machine is gone; returns how many.

    Returns 0 when no engine answers (there is nothing to clean up there).
    """
    if not docker_engine_status()[0]:
        return 0
    client = _connect(10)
    try:
        return _remove_leftovers(client)
    finally:
        client.close()  # the reaper calls this every 30 s: do not leave a connection pool behind each time


def _remove_leftovers(client: DockerClient) -> int:
    # The plain list call: ``containers.list`` inspects each container after listing, which fails with
    # NotFound when another process's reaper removes one in between.
    containers = client.api.containers(all=True, filters={"label": [LABEL, f"{LABEL_HOST}={_hostname()}"]})
    removed = 0
    for container in containers:
        labels = container.get("Labels") or {}
        if _owner_alive(int(labels.get(LABEL_PID, "0")), labels.get(LABEL_STARTED, "")):
            continue
        _remove(client, container["Id"])
        removed += 1
    return removed


def _connect(timeout: float) -> DockerClient:
    """A client for ``DOCKER_HOST`` (or the local socket); raises DockerUnavailable if none answers."""
    import docker  # lazily: importing the SDK costs time every page and CLI start would pay

    try:
        return docker.from_env(timeout=timeout)  # type: ignore[arg-type]
    except docker.errors.DockerException as exc:
        raise DockerUnavailable(unreachable_message()) from exc


def _ensure_image(client: DockerClient, image: str) -> None:
    import docker

    try:
        client.images.get(image)
        return
    except docker.errors.ImageNotFound:
        pass
    try:
        client.images.pull(image)
    except docker.errors.APIError as exc:
        raise SandboxImageMissing(
            f"Docker image {image!r} is not available and could not be pulled ({exc.explanation or exc}). "
            f"Pull it with `docker pull {image}`, or build the offline image with "
            f"scripts/build_sandbox_image.sh and set {IMAGE_ENV}={OFFLINE_IMAGE}."
        ) from exc


_cleaned: set[str] = set()


def _cleanup_once(client: DockerClient) -> None:
    """Clean up after crashed processes once per engine, when this process first starts a container."""
    if docker_host() in _cleaned:
        return
    _cleaned.add(docker_host())
    _remove_leftovers(client)


def _remove(client: DockerClient, container_id: str) -> None:
    import docker
    import requests

    try:
        client.api.remove_container(container_id, force=True)
    except (docker.errors.NotFound, requests.exceptions.ConnectionError):
        pass  # already gone, or the engine is (its next start cleans up after us)
    except docker.errors.APIError as exc:
        if exc.status_code != 409:  # 409: its removal is already in progress
            raise


def _kill_init(container_id: str, pid: int) -> None:
    """SIGKILL the container's init from here when the engine runs on this machine.

    The kernel then ends every process in the container at once, where Docker's kill can take seconds
    on a busy machine. The pid is trusted only if /proc shows it in the container's cgroup (a remote
    engine's pids mean nothing here); otherwise, or without the right to signal it, Docker kills it.
    """
    if not pid or not docker_host().startswith("unix://"):
        return
    try:
        if container_id in Path(f"/proc/{pid}/cgroup").read_text():
            os.kill(pid, signal.SIGKILL)
    except OSError:  # gone already, or not ours to signal
        pass


def _stop(client: DockerClient, container_id: str) -> None:
    import docker

    try:
        client.api.kill(container_id)
    except docker.errors.APIError:  # already stopped or gone
        pass


def _hostname() -> str:
    return socket.gethostname()


def _process_started(pid: int) -> str:
    """The process's start time (clock ticks since boot): with the pid, it identifies the process."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return ""
    return stat.rsplit(")", 1)[1].split()[19]


def _owner_labels() -> dict[str, str]:
    pid = os.getpid()
    return {LABEL: "1", LABEL_HOST: _hostname(), LABEL_PID: str(pid), LABEL_STARTED: _process_started(pid)}


def _owner_alive(pid: int, started: str) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, owned by someone else
        pass
    return _process_started(pid) == started
