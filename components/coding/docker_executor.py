"""Runs code in a Docker container: the sandbox for code an LLM wrote.

One container per executor (that is, per conversation), started on the first code block and reused for
every block: each block is an ``exec`` in it, a fraction of the cost of a fresh container (see
docs/performance.md). Locked down by default: no network, memory, CPU and process limits, every
capability dropped, no-new-privileges, a non-root user and a read-only root file system, so the work dir
(mounted at /workspace) and /tmp are the only writable places.

A block that runs past the timeout, or a run that is stopped, kills the whole container: the one way that
also ends a fork bomb or a process that ignores signals. The next block gets a fresh container; the work
dir survives, /tmp does not. What a block leaves running in the background dies when it ends, as with the
local executor.

The engine mounts the work dir from its own file system (``bind_dir``, default the work dir's path): a
local engine sees it; a remote ``DOCKER_HOST`` needs the same path there, as in AutoGen.

Reaching the engine, the image and the clean-up of leftover containers are in ``docker_engine``.
"""

from __future__ import annotations

import os
import threading
import time
import uuid
import weakref
from pathlib import Path
from typing import TYPE_CHECKING

from components import runtime
from components.coding.base import (
    SAVED_ONLY,
    CodeBlock,
    CodeExecutor,
    CodeResult,
    CommandOutcome,
    canonical_language,
    output_flood_note,
)
from components.coding.docker_engine import (
    DEFAULT_IMAGE,
    IMAGE_ENV,
    LABEL,
    LABEL_HOST,
    LABEL_PID,
    LABEL_STARTED,
    OFFLINE_IMAGE,
    DockerUnavailable,
    SandboxImageMissing,
    _cleanup_once,
    _connect,
    _ensure_image,
    _kill_init,
    _owner_labels,
    _remove,
    _stop,
    cleanup_leftover_containers,
    default_image,
    docker_engine_status,
    docker_host,
    unreachable_message,
)
from components.coding.docker_exec import ExecRun, oom_kills
from components.coding.functions import UserFunction, required_packages
from components.coding.sandbox_packages import install_argv
from components.coding.user_functions import UserFunctionsMixin
from components.errors import RoundtableError

if TYPE_CHECKING:
    from docker import DockerClient
    from docker.models.containers import Container

# The engine's names stay importable from here, as they were before docker_engine.py existed.
__all__ = [
    "DEFAULT_IMAGE", "IMAGE_ENV", "LABEL", "LABEL_HOST", "LABEL_PID", "LABEL_STARTED", "OFFLINE_IMAGE",
    "WORKSPACE", "DockerCommandLineCodeExecutor", "DockerUnavailable", "SandboxImageMissing", "WorkDirReplaced",
    "cleanup_leftover_containers", "default_image", "docker_engine_status", "docker_host",
    "unreachable_message",
]

WORKSPACE = "/workspace"
#: the code's user when Roundtable itself runs as root (otherwise the code runs as your uid)
NOBODY = "65534:65534"
#: the container's idle main process runs as another unprivileged user, so the code cannot kill it
KEEPER_USER = "65533:65533"

# Runs a block's command, then kills what it left behind: every process the code's user may signal,
# except this shell (``kill -1`` skips the caller and init). One pass is enough even for a fork bomb (a
# process with a SIGKILL pending cannot complete a fork); then it waits, up to a bound, until the dead are
# reaped and only init, the keeper and itself count against the pids limit, so the next block can start.
_WRAPPER = (
    '"$@"; rc=$?; kill -9 -1 2>/dev/null; '
    "f=/sys/fs/cgroup/pids/pids.current; [ -r $f ] || f=/sys/fs/cgroup/pids.current; "
    'n=0; while [ $n -lt 20000 ] && read p < $f && [ "$p" -gt 3 ]; do n=$((n + 1)); done 2>/dev/null; '
    "exit $rc"
)
_PROBE = 'for c in python3 bash node pwsh; do command -v "$c"; done; true'
_KILLED = 137  # SIGKILL, which is how the kernel ends a process over its cgroup's memory limit
# The container's own cgroup counts OOM kills: "oom_kill N" (cgroup v1 and v2 files, whichever exists).
_OOM_COUNTERS = ["/sys/fs/cgroup/memory/memory.oom_control", "/sys/fs/cgroup/memory.events"]


class WorkDirReplaced(RoundtableError):
    """The work dir became a link (code in a sandbox replaced it): it is never mounted."""


class DockerCommandLineCodeExecutor(UserFunctionsMixin, CodeExecutor):
    """Runs each code block in a long-lived, locked-down container (see the module docstring).

    AutoGen's arguments keep their meaning: ``image`` (default ``default_image()``), ``container_name``,
    ``timeout``, ``work_dir``, ``bind_dir`` (the work dir's path as the engine sees it, when Roundtable
    itself runs in a container), ``auto_remove`` (``close()`` removes the container rather than only
    stopping it), ``stop_container`` (False: ``close()`` leaves it running) and ``execution_policies``.
    ``CodeResult.code_file`` is ``work_dir / <file>`` with ``work_dir`` as given, as AutoGen reports it.
    ``functions`` (as for the local executor) become ``<functions_module>.py`` in the work dir, so code in
    the sandbox can ``from functions import f``; their packages are installed in the sandbox (with pip,
    which needs ``network=True``) unless the image already has them. The limits are
    ``memory_mb``, ``cpus``, ``pids_limit``, ``network`` and ``max_output_bytes`` (a block that prints
    more is killed; default ``$ROUNDTABLE_CODE_OUTPUT_LIMIT`` or 10 MiB). The code runs as ``user`` ("uid:gid"),
    by default your own uid, so you own the files it writes; as root, as nobody.
    """

    kind = "docker"

    def __init__(
        self,
        image: str | None = None,
        container_name: str | None = None,
        timeout: int = 60,
        work_dir: str | Path = ".",
        bind_dir: str | Path | None = None,
        auto_remove: bool = True,
        stop_container: bool = True,
        memory_mb: int = 512,
        cpus: float = 1.0,
        pids_limit: int = 128,
        network: bool = False,
        user: str | None = None,
        max_output_bytes: int | None = None,
        execution_policies: dict[str, bool] | None = None,
        functions: list[UserFunction] | None = None,
        functions_module: str = "functions",
    ) -> None:
        super().__init__(
            work_dir=work_dir, timeout=timeout, max_output_bytes=max_output_bytes, execution_policies=execution_policies
        )
        self.work_dir = Path(work_dir)  # as given, as AutoGen keeps it; ``self._root`` is the resolved folder
        for name, value in (("memory_mb", memory_mb), ("cpus", cpus), ("pids_limit", pids_limit)):
            if value <= 0:
                raise ValueError(f"{name} must be positive (got {value})")
        self.image = image or default_image()
        self.container_name = container_name or f"roundtable-sandbox-{uuid.uuid4().hex[:12]}"
        self.bind_dir = str(bind_dir or self._root)
        self.auto_remove = auto_remove
        self.stop_container = stop_container
        self.memory_mb = memory_mb
        self.cpus = cpus
        self.pids_limit = pids_limit
        self.network = network
        self.user = user or _default_user()
        if self.user.split(":")[0] == KEEPER_USER.split(":")[0]:
            raise ValueError(f"user {self.user} is reserved for the container's main process; choose another")
        self.commands: dict[str, list[str]] = {}
        self._client_instance: DockerClient | None = None
        self._container: Container | None = None
        self._finalizer: weakref.finalize | None = None
        self._init_pid = 0  # the container's init, as the engine's machine numbers it
        self._oom_kills_seen = 0
        self._lock = threading.RLock()
        self._init_functions(functions, functions_module)

    @property
    def container_id(self) -> str | None:
        """The running container's id, or None before the first block and after close()."""
        return self._container.id if self._container is not None else None

    def execute_block(self, block: CodeBlock) -> CodeResult:
        import requests

        runtime.check_cancelled()
        language = canonical_language(block.language)
        try:
            if language is not None and language not in SAVED_ONLY:
                self._ensure_container()  # it tells which interpreters the image has
            return super().execute_block(block)
        except requests.exceptions.ConnectionError as exc:  # the engine went away mid-run
            self._discard_container()
            raise DockerUnavailable(unreachable_message()) from exc

    def _run_command(self, argv: list[str], timeout: int) -> CommandOutcome:
        token = runtime.current().cancellation
        token.raise_if_cancelled()
        container, exec_id, run = self._start_exec(argv)
        deadline = time.monotonic() + timeout
        with token.on_cancel(run.wake.set):
            run.wake.wait(timeout)
            ended = run.done.is_set() and not run.flooded
            exit_code = self._wait_exit(exec_id, deadline, token) if ended else None
        if exit_code is None:  # past the timeout, printed too much, or stopped: kill it with its container
            self._discard_container()
            run.done.wait(5)
        token.raise_if_cancelled()
        if run.flooded:
            return CommandOutcome(
                exit_code=_KILLED, output=run.output(), note=output_flood_note(self.max_output_bytes)
            )
        note = self._oom_note(container) if exit_code == _KILLED else ""
        return CommandOutcome(
            exit_code=_KILLED if exit_code is None else exit_code,
            output=run.output(),
            timed_out=exit_code is None,
            note=note,
        )

    def _start_exec(self, argv: list[str]) -> tuple[Container, str, ExecRun]:
        import docker

        try:
            return self._exec_in(self._ensure_container(), argv)
        except docker.errors.APIError as exc:
            if exc.status_code not in (404, 409):
                raise
        self._discard_container()  # it died: removed from outside, or the memory limit took its init
        return self._exec_in(self._ensure_container(), argv)

    def _exec_in(self, container: Container, argv: list[str]) -> tuple[Container, str, ExecRun]:
        api = self._client().api
        command = ["sh", "-c", _WRAPPER, "sh", *argv]
        exec_id = api.exec_create(container.id, command, workdir=WORKSPACE, user=self.user)["Id"]
        return container, exec_id, ExecRun(api, exec_id, self.max_output_bytes)

    def _wait_exit(self, exec_id: str, deadline: float, token: runtime.CancellationToken) -> int | None:
        """The exit code once the process ends (its output may close first), or None at the deadline."""
        api = self._client().api
        while True:
            state = api.exec_inspect(exec_id)
            if not state["Running"]:
                return _KILLED if state["ExitCode"] is None else int(state["ExitCode"])
            if token.wait(0.02) or time.monotonic() >= deadline:
                return None

    def restart(self) -> None:
        """Remove the container; the next block starts a fresh one."""
        with self._lock:
            self._discard_container()

    def close(self) -> None:
        """Remove the container (``auto_remove=False``: only stop it; ``stop_container=False``: keep it)."""
        with self._lock:
            if self._container is None or self._finalizer is None:
                return
            if not (self.stop_container and self.auto_remove):
                self._finalizer.detach()
                if self.stop_container:
                    _stop(self._client(), self._container.id)
                self._forget_container()
            else:
                self._discard_container()

    # -- the container ------------------------------------------------------------------------------
    def _client(self) -> DockerClient:
        if self._client_instance is None:
            reachable, message = docker_engine_status()  # fails in seconds where a client could hang
            if not reachable:
                raise DockerUnavailable(message)
            # Reads of an exec's output block while the code is silent: allow the whole block's timeout.
            self._client_instance = _connect(max(self.timeout + 15, 30))
        return self._client_instance

    def _ensure_container(self) -> Container:
        with self._lock:
            if self._container is None:
                self._container = self._start_container()
            return self._container

    def _start_container(self) -> Container:
        client = self._client()
        _cleanup_once(client)
        _ensure_image(client, self.image)
        self._prepare_work_dir()
        container = client.containers.create(
            self.image,
            entrypoint=["tail", "-f", "/dev/null"],
            command=[],
            name=self.container_name,
            init=True,
            user=KEEPER_USER,
            working_dir=WORKSPACE,
            volumes={self.bind_dir: {"bind": WORKSPACE, "mode": "rw"}},
            read_only=True,
            tmpfs={"/tmp": f"rw,nosuid,nodev,size={self.memory_mb}m,mode=1777"},
            environment={
                "HOME": "/tmp",
                "MPLBACKEND": "Agg",
                "PYTHONUNBUFFERED": "1",
                "PYTHONDONTWRITEBYTECODE": "1",
            },
            network_mode="bridge" if self.network else "none",
            mem_limit=f"{self.memory_mb}m",
            memswap_limit=f"{self.memory_mb}m",
            nano_cpus=int(self.cpus * 1e9),
            pids_limit=self.pids_limit,
            cap_drop=["ALL"],
            security_opt=["no-new-privileges"],
            labels=_owner_labels(),
        )
        # Removes the container when close() is forgotten: at garbage collection or interpreter exit.
        finalizer = weakref.finalize(self, _remove, client, container.id)
        try:
            container.start()
            self.commands = self.commands or self._probe_commands(container)
        except BaseException:
            finalizer()
            raise
        self._finalizer = finalizer
        self._init_pid = int(client.api.inspect_container(container.id)["State"]["Pid"] or 0)
        self._oom_kills_seen = 0
        return container

    def _discard_container(self) -> None:
        """Kill and remove the container, and everything running in it."""
        with self._lock:
            if self._container is not None:
                _kill_init(self._container.id, self._init_pid)
            if self._finalizer is not None:
                self._finalizer()
            self._forget_container()

    def _forget_container(self) -> None:
        self._container = None
        if required_packages(self._functions):  # installed under /tmp, which goes with the container
            self._functions_ready = False

    def _probe_commands(self, container: Container) -> dict[str, list[str]]:
        found = container.exec_run(["sh", "-c", _PROBE], user=self.user).output.decode().split()
        names = {Path(path).name for path in found}
        commands = {"sh": ["bash"] if "bash" in names else ["sh"]}
        if "python3" in names:
            commands["python"] = ["python3", "-u"]
        if "node" in names:
            commands["javascript"] = ["node"]
        if "pwsh" in names:
            commands["pwsh"] = ["pwsh", "-File"]
        return commands

    def _oom_note(self, container: Container) -> str:
        """The note for a SIGKILLed block if the memory limit did it (the cgroup counts OOM kills)."""
        import docker

        try:
            kills = oom_kills(container.exec_run(["cat", *_OOM_COUNTERS], user=self.user).output.decode())
        except docker.errors.APIError:  # the container itself died: Docker knows whether OOM did it
            container.reload()
            kills = self._oom_kills_seen + 1 if container.attrs["State"].get("OOMKilled") else 0
        if kills <= self._oom_kills_seen:
            return ""
        self._oom_kills_seen = kills
        return f"Out of memory: the code used more than the {self.memory_mb} MB limit and was killed."

    # -- file ownership ----------------------------------------------------------------------------
    def _prepare_work_dir(self) -> None:
        """Refuse a work dir that is no longer a folder of its own; as root, hand it to the code's user so
        it can write there (you still own it all).

        Code in another sandbox whose work dir holds this one (an agent at the run's folder, this agent in
        a folder inside it) can replace it with a link while no container of ours has it mounted: mounting
        or chowning that path would hand the container whatever the link points to.
        """
        try:
            self._root.mkdir(parents=True, exist_ok=True)
            replaced = os.path.realpath(self._root) != str(self._root) or self._root.is_symlink()
        except OSError:  # a dangling link where the folder was
            replaced = True
        if replaced:
            raise WorkDirReplaced(
                f"the work dir {self._root} was replaced by a link (by code in a sandbox): it is not "
                "mounted into a container and no more code runs there"
            )
        self._chown(self._root)

    def _write_code_file(self, code: str, language: str) -> str:
        rel = super()._write_code_file(code, language)
        path = self._root
        for part in Path(rel).parts:
            path = path / part
            self._chown(path)
        return rel

    def _reported_code_file(self, rel_file: str) -> str:
        return str(self.work_dir / rel_file)  # AutoGen: the work dir as given, joined with the file

    # -- user functions ----------------------------------------------------------------------------
    def _functions_module_written(self, path: Path) -> None:
        self._chown(path)

    def _install_function_packages(self, packages: list[str]) -> None:
        """Install them in the sandbox, where the code imports them (see ``sandbox_packages``)."""
        self._ensure_container()  # it tells which interpreters the image has
        if "python" not in self.commands:
            raise ValueError(f"the image {self.image} has no python3: the user functions cannot be loaded")
        outcome = self._run_command(install_argv(self.commands["python"], packages), self.timeout)
        if outcome.timed_out:
            raise ValueError(f"installing {packages} for the user functions in the sandbox timed out")
        if outcome.exit_code != 0:
            hint = "" if self.network else " (the sandbox has no network: network=False)"
            raise ValueError(
                f"installing {packages} for the user functions in the sandbox failed{hint}: {outcome.output.strip()}"
            )

    def _chown(self, path: Path) -> None:
        uid, _, gid = self.user.partition(":")
        if os.name == "posix" and os.getuid() == 0 and uid.isdigit() and gid.isdigit():
            os.chown(path, int(uid), int(gid), follow_symlinks=False)


def _default_user() -> str:
    if os.name != "posix" or os.getuid() == 0:
        return NOBODY
    return f"{os.getuid()}:{os.getgid()}"
