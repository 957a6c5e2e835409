"""Per-block overhead of running code: local subprocess vs Docker (warm container, fresh container).

Each variant runs a tiny block ``--runs`` times after one warm-up run and reports the median and the
90th percentile of the wall time a caller waits for the result. Two blocks: ``print('ok')`` (what agents
run; includes the interpreter's start) and ``echo ok`` in sh (close to the bare overhead).

- local: ``LocalCommandLineCodeExecutor.execute_block`` (a host subprocess, not sandboxed);
- docker, warm: ``DockerCommandLineCodeExecutor.execute_block`` in its running container (an exec);
- docker, fresh: one ``docker run --rm`` per block through the SDK, with the same limits and mount,
  which is what one would write instead of keeping a container;
- docker, first block: a new executor's first block, which starts its container (and removes it after).

It also times a stop: from ``cancel()`` on the run's token until the block running ``time.sleep`` has
returned, by which time its container is removed.

    PYTHONPATH=. python benchmarks/code_execution.py [--runs 20] [--image IMAGE]
"""

from __future__ import annotations

import argparse
import contextlib
import os
import statistics
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

from components.coding.base import CodeBlock
from components.coding.docker_engine import (
    DockerUnavailable,
    SandboxImageMissing,
    default_image,
    docker_engine_status,
)
from components.coding.docker_executor import WORKSPACE, DockerCommandLineCodeExecutor
from components.coding.local import LocalCommandLineCodeExecutor
from components.errors import RunCancelled
from components.runtime import CancellationToken, run_context

BLOCKS = {
    "python": CodeBlock(code="print('ok')", language="python"),
    "sh": CodeBlock(code="echo ok", language="sh"),
}
FRESH_COMMANDS = {"python": ["python3", "-u"], "sh": ["sh"]}
Once = Callable[[CodeBlock], object]


def measure(runs: int, once: Once, block: CodeBlock) -> list[float]:
    once(block)  # warm-up: caches, image layers, the container itself
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        once(block)
        timings.append(time.perf_counter() - started)
    return timings


def run_in(executor: DockerCommandLineCodeExecutor | LocalCommandLineCodeExecutor) -> Once:
    return lambda block: _checked(executor.execute_block(block).output)


def docker_first_block(work: Path, image: str) -> Once:
    def once(block: CodeBlock) -> object:
        executor = DockerCommandLineCodeExecutor(image=image, work_dir=work / "first")
        try:
            return _checked(executor.execute_block(block).output)
        finally:
            executor.close()

    return once


def docker_fresh(work: Path, image: str) -> Once:
    import docker

    client = docker.from_env()
    folder = work / "fresh"
    folder.mkdir()
    reference = DockerCommandLineCodeExecutor(image=image, work_dir=folder)  # for its default limits

    def once(block: CodeBlock) -> object:
        name = f"block.{block.language}"
        (folder / name).write_text(block.code)
        output = client.containers.run(
            image,
            [*FRESH_COMMANDS[block.language], name],
            remove=True,
            working_dir=WORKSPACE,
            user=reference.user,
            volumes={str(folder): {"bind": WORKSPACE, "mode": "rw"}},
            read_only=True,
            network_mode="none",
            mem_limit=f"{reference.memory_mb}m",
            nano_cpus=int(reference.cpus * 1e9),
            pids_limit=reference.pids_limit,
            cap_drop=["ALL"],
            security_opt=["no-new-privileges"],
        )
        return _checked(output.decode())

    return once


def stop_latency(runs: int, work: Path, image: str) -> list[float]:
    executor = DockerCommandLineCodeExecutor(image=image, work_dir=work / "stop")
    block = CodeBlock(code="import time\nopen('started', 'w').close()\ntime.sleep(600)", language="python")
    marker = work / "stop" / "started"
    timings = []
    try:
        for _ in range(runs):
            marker.unlink(missing_ok=True)
            token = CancellationToken()
            thread = threading.Thread(target=_run_until_stopped, args=(executor, block, token))
            thread.start()
            deadline = time.monotonic() + 60
            while not marker.exists():
                if time.monotonic() > deadline:
                    raise RuntimeError("the block to stop never started")
                time.sleep(0.01)
            started = time.perf_counter()
            token.cancel()
            thread.join()
            timings.append(time.perf_counter() - started)
    finally:
        executor.close()
    return timings


def _run_until_stopped(
    executor: DockerCommandLineCodeExecutor, block: CodeBlock, token: CancellationToken
) -> None:
    with run_context(cancellation=token), contextlib.suppress(RunCancelled):
        executor.execute_block(block)


def _checked(output: str) -> str:
    if output != "ok\n":
        raise RuntimeError(f"the block printed {output!r}")
    return output


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--image", default=default_image())
    args = parser.parse_args()
    reachable, engine = docker_engine_status()
    if not reachable:
        raise SystemExit(engine)

    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        warm = DockerCommandLineCodeExecutor(image=args.image, work_dir=work / "warm")
        variants = {
            "local subprocess (not sandboxed)": run_in(LocalCommandLineCodeExecutor(work_dir=work / "local")),
            "docker exec, warm container": run_in(warm),
            "docker run --rm, fresh container": docker_fresh(work, args.image),
            "docker, first block (starts container)": docker_first_block(work, args.image),
        }
        try:
            results = {
                name: {language: measure(args.runs, once, block) for language, block in BLOCKS.items()}
                for name, once in variants.items()
            }
            stops = stop_latency(args.runs, work, args.image)
        finally:
            warm.close()

    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    print(f"{engine}, image {args.image}, {args.runs} runs each")
    print(f"{os.cpu_count()} CPUs, load average {load} (other work on the machine skews the figures)")
    print(f"| {'variant':<40} | python median / p90 ms | sh median / p90 ms |")
    print(f"|{'-' * 42}|------------------------|--------------------|")
    for name, by_language in results.items():
        cells = [
            f"{_ms(statistics.median(t))} / {_ms(statistics.quantiles(t, n=10)[-1])}"
            for t in by_language.values()
        ]
        print(f"| {name:<40} | {cells[0]:>22} | {cells[1]:>18} |")
    median, worst = _ms(statistics.median(stops)), _ms(max(stops))
    print(
        f"stop -> block returned, container removed: median {median} ms, max {worst} ms ({len(stops)} stops)"
    )


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f}"


if __name__ == "__main__":
    try:
        main()
    except (DockerUnavailable, SandboxImageMissing) as exc:
        raise SystemExit(str(exc)) from None
