"""The Docker sandbox, proven with real containers on a real engine.

Each test checks what a user would see (output, exit code, files, timing) and that no sandbox container
of this process is left behind. The image is $ROUNDTABLE_SANDBOX_IMAGE, else the offline image that
scripts/build_sandbox_image.sh builds, else python:3-slim.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from components.coding.base import CodeBlock, CodeResult
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
    cleanup_leftover_containers,
    docker_engine_status,
    sandbox_image_present,
)
from components.coding.docker_executor import DockerCommandLineCodeExecutor
from components.errors import RunCancelled
from components.runtime import CancellationToken, run_context
from tests.support.services import missing_service

if TYPE_CHECKING:
    from docker import DockerClient
    from docker.models.containers import Container

REPO = Path(__file__).resolve().parents[2]
MakeExecutor = Callable[..., DockerCommandLineCodeExecutor]


def run(executor: DockerCommandLineCodeExecutor, code: str, language: str = "python") -> CodeResult:
    return executor.execute_code_blocks([CodeBlock(code=code, language=language)])


def our_containers(client: DockerClient) -> list[Container]:
    return client.containers.list(all=True, filters={"label": [LABEL, f"{LABEL_PID}={os.getpid()}"]})


@pytest.fixture(scope="session")
def sandbox_image() -> str:
    import docker

    host = os.environ.get("DOCKER_HOST") or "the local socket"
    try:  # asked directly, not through the code under test
        client = docker.from_env(timeout=10)
        client.ping()
    except docker.errors.DockerException:
        missing_service(f"Docker engine at {host}")
    wanted = [os.environ[IMAGE_ENV]] if os.environ.get(IMAGE_ENV) else [OFFLINE_IMAGE, DEFAULT_IMAGE]
    for image in wanted:
        try:
            client.images.get(image)
            return image
        except docker.errors.ImageNotFound:
            continue
    missing_service(
        f"Docker engine with the image {' or '.join(wanted)} (run scripts/build_sandbox_image.sh)"
    )


@pytest.fixture
def docker_client(sandbox_image: str) -> DockerClient:
    import docker

    return docker.from_env()


@pytest.fixture
def work(tmp_path: Path) -> Path:
    return tmp_path / "work"


@pytest.fixture
def make_executor(sandbox_image: str, work: Path, docker_client: DockerClient) -> Iterator[MakeExecutor]:
    """Builds executors on the test image; closes them and asserts no container is left behind."""
    made: list[DockerCommandLineCodeExecutor] = []

    def make(**options: object) -> DockerCommandLineCodeExecutor:
        options = {"image": sandbox_image, "work_dir": work, "timeout": 30, **options}
        executor = DockerCommandLineCodeExecutor(**options)  # type: ignore[arg-type]
        made.append(executor)
        return executor

    yield make
    for executor in made:
        executor.close()
    assert our_containers(docker_client) == [], "a sandbox container was left behind"


def test_output_and_exit_codes_are_reported_like_the_local_executor(make_executor: MakeExecutor) -> None:
    executor = make_executor()

    ok = run(executor, "import sys\nprint('to stdout')\nprint('to stderr', file=sys.stderr)")
    assert (ok.exit_code, ok.output) == (0, "to stderr\nto stdout\n")

    exited = run(executor, "import sys\nprint('before exit')\nsys.exit(3)")
    assert (exited.exit_code, exited.output) == (3, "before exit\n")

    raised = run(executor, "raise ValueError('boom')")
    assert raised.exit_code == 1 and "ValueError: boom" in raised.output

    shell = run(executor, 'if [[ 6 -gt 5 ]]; then echo "$((6 * 7))"; fi\nexit 5', "bash")
    assert (shell.exit_code, shell.output) == (5, "42\n")

    blocks = [
        CodeBlock("print('first')", "python"),
        CodeBlock("exit 2", "sh"),
        CodeBlock("print('never')", "python"),
    ]
    stopped = executor.execute_code_blocks(blocks)
    assert (stopped.exit_code, stopped.output) == (2, "first\n")

    assert run(executor, "DISPLAY", "cobol").output == "unknown language cobol"
    if "javascript" not in executor.commands:
        assert (
            run(executor, "console.log(1)", "javascript").output
            == "javascript cannot run in this docker executor"
        )
    else:
        assert run(executor, "console.log(6 * 7)", "javascript").output == "42\n"


def test_one_container_serves_every_block_of_a_conversation(
    make_executor: MakeExecutor, docker_client: DockerClient
) -> None:
    executor = make_executor()
    assert executor.container_id is None, "constructing the executor must not start a container"

    run(executor, "open('/tmp/state', 'w').write('kept')")
    first = executor.container_id
    again = run(executor, "print(open('/tmp/state').read())")

    assert again.output == "kept\n" and executor.container_id == first
    assert [c.id for c in our_containers(docker_client)] == [first]


def test_files_written_in_workspace_are_visible_and_removable_on_the_host(
    make_executor: MakeExecutor, work: Path
) -> None:
    executor = make_executor()
    code = (
        "# filename: make_files.py\n"
        "import os, struct, zlib\n"
        "os.makedirs('results', exist_ok=True)\n"
        "open('results/data.csv', 'w').write('x,y\\n1,2\\n')\n"
        "def chunk(kind, data):\n"
        "    return struct.pack('>I', len(data)) + kind + data + struct.pack('>I', zlib.crc32(kind + data))\n"
        "ihdr = struct.pack('>IIBBBBB', 1, 1, 8, 0, 0, 0, 0)\n"
        "png = b'\\x89PNG\\r\\n\\x1a\\n' + chunk(b'IHDR', ihdr)"
        " + chunk(b'IDAT', zlib.compress(b'\\x00\\x00'))"
        " + chunk(b'IEND', b'')\n"
        "open('dot.png', 'wb').write(png)\n"
        "print(os.getcwd())\n"
    )
    result = run(executor, code)

    assert (result.exit_code, result.output) == (0, "/workspace\n")
    assert result.code_file == str(work / "make_files.py") and (work / "make_files.py").read_text().startswith(
        "# filename"
    )
    assert (work / "results" / "data.csv").read_text() == "x,y\n1,2\n"
    assert {(a.path, a.mime) for a in result.artifacts} == {
        ("results/data.csv", "text/csv"),
        ("dot.png", "image/png"),
    }
    if os.getuid() != 0:  # the code ran as you: you own what it made
        assert (work / "dot.png").stat().st_uid == os.getuid()
    shutil.rmtree(work / "results")
    (work / "dot.png").unlink()


def test_a_matplotlib_plot_becomes_an_image_artifact(
    make_executor: MakeExecutor, sandbox_image: str, docker_client: DockerClient
) -> None:
    import docker

    try:
        docker_client.containers.run(sandbox_image, ["python3", "-c", "import matplotlib"], remove=True)
    except docker.errors.ContainerError:
        missing_service(f"matplotlib in the sandbox image {sandbox_image} (build {OFFLINE_IMAGE})")
    result = run(
        make_executor(),
        "import matplotlib.pyplot as plt\n"
        "plt.plot([1, 2, 3], [1, 4, 9])\n"
        "plt.savefig('squares.png')\n"
        "print('saved')",
    )
    assert (result.exit_code, result.output) == (0, "saved\n")
    assert [(a.path, a.mime) for a in result.artifacts] == [("squares.png", "image/png")]


def test_the_filename_rule_keeps_files_in_the_workspace(make_executor: MakeExecutor, work: Path) -> None:
    executor = make_executor()
    refused = run(executor, "# filename: ../escape.py\nprint('out')")
    assert (refused.exit_code, refused.output) == (1, "Filename is not in the workspace")
    assert not (work.parent / "escape.py").exists()

    nested = run(executor, "# filename: tools/hello.py\nimport os\nprint(os.path.abspath(__file__))")
    assert (nested.exit_code, nested.output) == (0, "/workspace/tools/hello.py\n")
    assert nested.code_file == str(work / "tools" / "hello.py") and (work / "tools" / "hello.py").is_file()


def test_writing_outside_workspace_and_tmp_fails(make_executor: MakeExecutor) -> None:
    code = (
        "for folder in ['/etc', '/usr', '/root', '', '/home', '/var', '/opt', '/tmp', '/workspace']:\n"
        "    path = folder + '/x'\n"
        "    try:\n"
        "        open(path, 'w').write('x')\n"
        "        print(path, 'written')\n"
        "    except OSError as exc:\n"
        "        print(path, 'refused', type(exc).__name__)\n"
    )
    lines = run(make_executor(), code).output.splitlines()
    written = [line.split()[0] for line in lines if line.endswith("written")]
    assert written == ["/tmp/x", "/workspace/x"]
    assert len(lines) == 9


def test_the_code_runs_unprivileged_with_the_configured_limits(
    make_executor: MakeExecutor, docker_client: DockerClient
) -> None:
    executor = make_executor(memory_mb=256, cpus=0.5, pids_limit=50)
    code = (
        "import os\n"
        "lines = open('/proc/self/status').read().splitlines()\n"
        "status = dict(line.split(':\\t') for line in lines if ':\\t' in line)\n"
        "print(os.getuid(), status['CapEff'], status['NoNewPrivs'], sorted(os.listdir('/sys/class/net')))\n"
    )
    result = run(executor, code)

    uid, caps, no_new_privs, interfaces = result.output.split(" ", 3)
    assert uid != "0" and int(caps, 16) == 0 and no_new_privs == "1" and interfaces == "['lo']\n"
    host = docker_client.containers.get(executor.container_id).attrs["HostConfig"]
    assert host["Memory"] == 256 * 2**20 and host["NanoCpus"] == 500_000_000 and host["PidsLimit"] == 50
    assert host["CapDrop"] == ["ALL"] and host["ReadonlyRootfs"] and host["NetworkMode"] == "none"


def test_network_access_fails(make_executor: MakeExecutor) -> None:
    code = "import socket\nsocket.create_connection(('1.1.1.1', 53), timeout=5)\nprint('connected')"
    result = run(make_executor(), code)
    assert (
        result.exit_code == 1
        and "Network is unreachable" in result.output
        and "connected" not in result.output
    )


def test_network_can_be_turned_on(make_executor: MakeExecutor) -> None:
    result = run(make_executor(network=True), "import os\nprint(sorted(os.listdir('/sys/class/net')))")
    assert result.output != "['lo']\n" and "'lo'" in result.output


def test_allocating_past_the_memory_limit_ends_with_out_of_memory(make_executor: MakeExecutor) -> None:
    executor = make_executor(memory_mb=128, timeout=60)
    started = time.monotonic()
    result = run(executor, "blob = 'x' * (600 * 2**20)\nprint('allocated', len(blob))")
    elapsed = time.monotonic() - started

    assert result.exit_code == 137 and not result.timed_out and elapsed < 30
    assert "Out of memory: the code used more than the 128 MB limit and was killed." in result.output
    assert "allocated" not in result.output
    assert run(executor, "print('still here')").output == "still here\n"


def test_a_fork_bomb_is_contained_by_the_pids_limit(make_executor: MakeExecutor) -> None:
    executor = make_executor(pids_limit=64, timeout=60)
    bomb = (
        "import os, time\n"
        "start, refused = time.monotonic(), 0\n"
        "while not refused and time.monotonic() - start < 20:\n"
        "    try:\n"
        "        if os.fork() == 0:\n"
        "            while True:\n"
        "                try:\n"
        "                    os.fork()\n"
        "                except OSError:\n"
        "                    pass\n"
        "    except OSError:\n"
        "        refused += 1\n"
        "for name in ('/sys/fs/cgroup/pids/pids.current', '/sys/fs/cgroup/pids.current'):\n"
        "    if os.path.exists(name):\n"
        "        print('processes', open(name).read().strip())\n"
        "print('refused', refused > 0)\n"
    )
    started = time.monotonic()
    result = run(executor, bomb)

    assert result.exit_code == 0 and time.monotonic() - started < 40, result.output
    assert "refused True" in result.output
    assert 0 < int(result.output.split("processes ")[1].split()[0]) <= 64
    classic = run(executor, ":(){ :|:& };:", "bash")  # returns at once, its children fork on
    assert classic.exit_code == 0, classic.output
    alive = run(executor, "print('alive')")  # they were killed when the block ended
    assert alive.output == "alive\n", alive.output
    assert subprocess.run(["true"], check=False, timeout=10).returncode == 0  # the host never noticed


def test_processes_left_in_the_background_die_with_the_block(make_executor: MakeExecutor) -> None:
    executor = make_executor()
    assert run(executor, "sleep 300 &\necho started", "sh").output == "started\n"
    listing = (
        "import os\nprint([open(f'/proc/{p}/cmdline').read() for p in os.listdir('/proc') if p.isdigit()])"
    )
    assert "sleep\\x00300" not in run(executor, listing).output


def test_an_infinite_loop_is_killed_at_the_timeout(
    make_executor: MakeExecutor, docker_client: DockerClient
) -> None:
    import docker

    executor = make_executor(timeout=2)
    run(executor, "print('warm')")
    container = executor.container_id
    started = time.monotonic()
    result = run(executor, "print('looping', flush=True)\nwhile True:\n    pass")
    elapsed = time.monotonic() - started

    assert (result.exit_code, result.output) == (124, "looping\n\nTimeout") and result.timed_out
    assert 2 <= elapsed < 5
    with pytest.raises(docker.errors.NotFound):  # the loop died with its container
        docker_client.containers.get(container)
    assert run(executor, "print('recovered')").output == "recovered\n"


def test_code_that_closes_its_output_still_times_out(make_executor: MakeExecutor) -> None:
    executor = make_executor(timeout=2)
    started = time.monotonic()
    result = run(executor, "import os, time\nos.close(1)\nos.close(2)\ntime.sleep(60)")
    assert result.exit_code == 124 and result.output.endswith("Timeout") and time.monotonic() - started < 5


def test_huge_output_is_capped(make_executor: MakeExecutor) -> None:
    result = run(make_executor(), "print('y' * 10_000_000)")
    assert result.exit_code == 0 and len(result.output) < 60_000 and "[output truncated" in result.output


def test_stopping_a_run_kills_the_code_within_a_second(
    make_executor: MakeExecutor, work: Path, docker_client: DockerClient
) -> None:
    import docker

    executor = make_executor(timeout=120)
    token = CancellationToken()
    outcome: list[Exception] = []
    heartbeat = work / "heartbeat"
    code = "import time\nwhile True:\n    open('heartbeat', 'a').write(f'{time.time()}\\n')\n    time.sleep(0.02)"

    def conversation() -> None:
        with run_context(cancellation=token):
            try:
                run(executor, code)
            except Exception as exc:  # what the engine would see
                outcome.append(exc)

    thread = threading.Thread(target=conversation)
    thread.start()
    deadline = time.monotonic() + 30
    while not heartbeat.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert heartbeat.exists(), "the code never started"
    container = executor.container_id

    stopped_at, stopped_at_clock = time.monotonic(), time.time()  # the container shares the host's clock
    token.cancel()
    thread.join(5)
    assert time.monotonic() - stopped_at < 1.5
    assert len(outcome) == 1 and isinstance(outcome[0], RunCancelled)
    beats = heartbeat.read_text()
    assert float(beats.split()[-1]) - stopped_at_clock < 1.0, "the code ran on for a second after the stop"
    time.sleep(0.5)
    assert heartbeat.read_text() == beats, "the code kept running after the stop"
    with pytest.raises(docker.errors.NotFound):
        docker_client.containers.get(container)

    with run_context(cancellation=token), pytest.raises(RunCancelled):  # a stopped run runs nothing more
        run(executor, "print('after stop')")


def test_restart_gives_a_fresh_container_and_close_removes_it(
    make_executor: MakeExecutor, docker_client: DockerClient
) -> None:
    executor = make_executor()
    run(executor, "open('/tmp/state', 'w').write('old')")
    old = executor.container_id
    executor.restart()
    assert run(executor, "import os\nprint(os.path.exists('/tmp/state'))").output == "False\n"
    assert executor.container_id != old
    executor.close()
    assert executor.container_id is None and our_containers(docker_client) == []


def test_close_honours_autogens_stop_container_and_auto_remove(
    make_executor: MakeExecutor, docker_client: DockerClient
) -> None:
    kept = make_executor(stop_container=False)
    stopped = make_executor(auto_remove=False)
    run(kept, "print(1)")
    run(stopped, "print(1)")
    ids = kept.container_id, stopped.container_id
    kept.close()
    stopped.close()
    try:
        assert docker_client.containers.get(ids[0]).status == "running"
        assert docker_client.containers.get(ids[1]).status == "exited"
    finally:
        for container_id in ids:
            docker_client.containers.get(container_id).remove(force=True)


def test_leftovers_of_a_crashed_process_are_removed_at_the_next_start(
    sandbox_image: str, tmp_path: Path, docker_client: DockerClient
) -> None:
    import docker

    script = (
        "import sys\n"
        "from components.coding.base import CodeBlock\n"
        "from components.coding.docker_executor import DockerCommandLineCodeExecutor\n"
        "executor = DockerCommandLineCodeExecutor(image=sys.argv[1], work_dir=sys.argv[2])\n"
        "executor.execute_code_blocks([CodeBlock('print(1)', 'python')])\n"
        "print(executor.container_id, flush=True)\n"
        "if sys.argv[3] == 'crash':\n"
        "    sys.stdin.read()\n"
    )
    env = {**os.environ, "PYTHONPATH": str(REPO)}

    def python(mode: str) -> subprocess.Popen[str]:
        argv = [sys.executable, "-c", script, sandbox_image, str(tmp_path / mode), mode]
        return subprocess.Popen(argv, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)

    crashed = python("crash")
    leftover = crashed.stdout.readline().strip()  # type: ignore[union-attr]
    crashed.send_signal(signal.SIGKILL)
    crashed.wait(10)
    # Still there, unless the reaper of another process on this machine (sandbox_reaper) was faster.
    assert [c["State"] for c in docker_client.api.containers(all=True, filters={"id": leftover})] in (["running"], [])

    clean = python("clean")  # starts a container, so it cleans up first; then exits without close()
    own = clean.communicate(timeout=60)[0].strip()
    assert clean.returncode == 0 and own
    for container_id in (leftover, own):
        with pytest.raises(docker.errors.NotFound):
            docker_client.containers.get(container_id)


def test_cleanup_spares_containers_of_live_processes(
    make_executor: MakeExecutor, sandbox_image: str, docker_client: DockerClient
) -> None:
    executor = make_executor()
    run(executor, "print(1)")
    dead = subprocess.Popen(["true"])
    dead.wait()
    labels = {LABEL: "1", LABEL_HOST: socket.gethostname(), LABEL_PID: str(dead.pid), LABEL_STARTED: "1"}
    orphan = docker_client.containers.create(sandbox_image, ["true"], labels=labels)

    assert cleanup_leftover_containers() in (0, 1)  # 0: another process's reaper removed it first
    assert [c.id for c in our_containers(docker_client)] == [executor.container_id]
    assert docker_client.api.containers(all=True, filters={"id": orphan.id}) == []


def test_a_missing_image_gives_a_clear_error(make_executor: MakeExecutor) -> None:
    executor = make_executor(image="roundtable-test-no-such-image:never")
    with pytest.raises(SandboxImageMissing) as error:
        run(executor, "print(1)")
    message = str(error.value)
    assert "'roundtable-test-no-such-image:never'" in message
    assert "docker pull" in message and "scripts/build_sandbox_image.sh" in message


def test_engine_status_names_the_version_and_host(sandbox_image: str) -> None:
    reachable, message = docker_engine_status()
    host = os.environ.get("DOCKER_HOST") or "unix:///var/run/docker.sock"
    assert reachable and message.startswith("Docker ") and message.endswith(f" at {host}")


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class TcpToUnixProxy:
    """Serves the local engine's unix socket on a loopback TCP port: a "remote" DOCKER_HOST to test with."""

    def __init__(self, socket_path: str) -> None:
        self.socket_path = socket_path
        self.server = socket.create_server(("127.0.0.1", 0))
        self.host = f"tcp://127.0.0.1:{self.server.getsockname()[1]}"
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.server.accept()
            except OSError:  # closed
                return
            engine = socket.socket(socket.AF_UNIX)
            engine.connect(self.socket_path)
            for source, target in ((client, engine), (engine, client)):
                threading.Thread(target=self._pump, args=(source, target), daemon=True).start()

    @staticmethod
    def _pump(source: socket.socket, target: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                target.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (source, target):
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass


def test_a_docker_host_over_tcp_works_the_same(
    make_executor: MakeExecutor, monkeypatch: pytest.MonkeyPatch
) -> None:
    local = os.environ.get("DOCKER_HOST", "unix:///var/run/docker.sock")
    if not local.startswith("unix://"):
        pytest.skip(f"DOCKER_HOST is already remote ({local})")
    proxy = TcpToUnixProxy(local.removeprefix("unix://"))
    monkeypatch.setenv("DOCKER_HOST", proxy.host)
    try:
        reachable, message = docker_engine_status()
        assert reachable and message.endswith(f" at {proxy.host}")
        executor = make_executor(timeout=2)
        assert run(executor, "print('over tcp')").output == "over tcp\n"
        started = time.monotonic()
        assert (
            run(executor, "import time\ntime.sleep(60)").exit_code == 124 and time.monotonic() - started < 5
        )
        assert run(executor, "print('again')").output == "again\n"
        executor.close()  # through the proxy, before it goes away
    finally:
        proxy.server.close()


def test_an_unreachable_engine_is_reported_at_once(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    host = f"tcp://127.0.0.1:{_closed_port()}"
    monkeypatch.setenv("DOCKER_HOST", host)
    expected = f"Docker engine not reachable at {host}: start Docker or choose the local executor"

    started = time.monotonic()
    assert docker_engine_status() == (False, expected)
    assert time.monotonic() - started < 3

    executor = DockerCommandLineCodeExecutor(work_dir=tmp_path)  # constructing never touches Docker
    with pytest.raises(DockerUnavailable, match="Docker engine not reachable at tcp://127.0.0.1"):
        run(executor, "print(1)")
    assert time.monotonic() - started < 6


def test_an_engine_that_never_answers_cannot_hang_the_status_check(monkeypatch: pytest.MonkeyPatch) -> None:
    with socket.socket() as silent:  # accepts connections (the kernel does) but never replies
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        host = f"tcp://127.0.0.1:{silent.getsockname()[1]}"
        monkeypatch.setenv("DOCKER_HOST", host)
        started = time.monotonic()
        reachable, message = docker_engine_status(timeout=1.0)
        assert not reachable and host in message and time.monotonic() - started < 2


def test_whether_the_sandbox_image_is_present_is_answered_without_pulling_or_hanging(
    sandbox_image: str, docker_client: DockerClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    import docker

    assert sandbox_image_present(sandbox_image)
    monkeypatch.setenv(IMAGE_ENV, sandbox_image)
    assert sandbox_image_present()  # the default is default_image()

    made_up = f"roundtable-no-such-image-{os.getpid()}:never"
    assert not sandbox_image_present(made_up)
    monkeypatch.setenv(IMAGE_ENV, made_up)
    assert not sandbox_image_present()
    with pytest.raises(docker.errors.ImageNotFound):  # asked, not pulled
        docker_client.images.get(made_up)

    monkeypatch.setenv("DOCKER_HOST", f"tcp://127.0.0.1:{_closed_port()}")
    started = time.monotonic()
    assert not sandbox_image_present(sandbox_image)
    assert time.monotonic() - started < 3

    with socket.socket() as silent:  # accepts connections (the kernel does) but never replies
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        monkeypatch.setenv("DOCKER_HOST", f"tcp://127.0.0.1:{silent.getsockname()[1]}")
        started = time.monotonic()
        assert not sandbox_image_present(sandbox_image, timeout=1.0)
        assert time.monotonic() - started < 2


def test_the_default_image_can_be_overridden_for_offline_machines(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv(IMAGE_ENV, raising=False)
    assert DockerCommandLineCodeExecutor(work_dir=tmp_path).image == "python:3-slim"
    monkeypatch.setenv(IMAGE_ENV, OFFLINE_IMAGE)
    assert DockerCommandLineCodeExecutor(work_dir=tmp_path).image == OFFLINE_IMAGE
    assert DockerCommandLineCodeExecutor(image="mine:1", work_dir=tmp_path).image == "mine:1"


def test_the_offline_image_script_skips_an_existing_image(docker_client: DockerClient) -> None:
    import docker

    try:
        docker_client.images.get(OFFLINE_IMAGE)
    except docker.errors.ImageNotFound:
        missing_service(f"Docker image {OFFLINE_IMAGE} (run scripts/build_sandbox_image.sh)")
    done = subprocess.run(
        ["bash", str(REPO / "scripts" / "build_sandbox_image.sh")],
        check=False,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0 and f"{OFFLINE_IMAGE} already exists" in done.stdout
