"""Engine overhead per message: Roundtable vs AG2 (the AutoGen 0.2 API) on the same scripted model.

    python benchmarks/engine_overhead.py [--rounds 7] [--skip-install]

Both engines play the same two chats against one scripted chat-completions server (its own process,
on loopback, answering every request at once with a short text):

- group: a UserProxyAgent and 3 AssistantAgents, round-robin GroupChat, max_round=40, manager without LLM;
- pair:  a UserProxyAgent (default_auto_reply "continue") and one AssistantAgent, max_turns=20.

The model is called ``gpt-4o-mini`` by default (a name both engines know the price of, as with a
real model; ``--model`` changes it). AG2 (``ag2[openai]==0.14.0``) lives in its own virtualenv, ``benchmarks/.ag2-venv`` (git-ignored),
created and installed on first use. Each engine runs in its own long-lived worker process
(``benchmarks/_ag2_runner.py``, the same scenario code for both; Roundtable's worker uses this
interpreter), so neither shares a process with the server or with this orchestrator. After one warm-up
chat per scenario and engine (imports, first connection, litellm's lazy setup), ``--rounds`` rounds
run every scenario once per engine, alternating which engine goes first. Reported: the median wall
time per message and the median CPU time per message of the engine's process (CPU time is the steadier
figure on a busy machine), the ratio Roundtable/AG2, the per-request floor of the bare clients
(litellm alone, the openai SDK alone), the import times, and the LLM path: one model call through
Roundtable's client against a bare ``litellm.completion`` (``--llm-path-only`` measures just that, and
needs no AG2). The two engines must exchange the same
number of messages and make the same number of model requests, or the script fails.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

AG2_REQUIREMENT = "ag2[openai]==0.14.0"
AG2_VERSION = "0.14.0"
VENV = ROOT / "benchmarks" / ".ag2-venv"
RUNNER = ROOT / "benchmarks" / "_ag2_runner.py"
SCENARIOS = ("group", "pair")
CASES = [(scenario, stub) for stub in (False, True) for scenario in SCENARIOS]  # stub: no model client
ENGINES = ("roundtable", "ag2")
REPLY = "Noted. Here is my short answer."


# -- the scripted model, in its own process ------------------------------------------------------------
def serve_llm() -> int:
    """``--serve-llm``: start the server, print its URL, answer each 'count' line with the requests so far."""
    from components.llm.scripted import ScriptedLLMServer, say

    server = ScriptedLLMServer(default=lambda body: say(REPLY)).start()
    # The handler writes the headers and the body in two sends; without TCP_NODELAY each keep-alive
    # reply can wait ~40 ms for the client's delayed ACK (Nagle), which would drown what we measure.
    server._httpd.RequestHandlerClass.disable_nagle_algorithm = True  # type: ignore[union-attr]
    print(json.dumps({"url": server.url}), flush=True)
    for line in sys.stdin:
        if line.strip() == "count":
            print(json.dumps(len(server.requests)), flush=True)
    server.stop()
    return 0


# -- the LLM path: Roundtable's client against a bare litellm.completion, per call -----------------------
LLM_PATH_MESSAGES: list[dict[str, Any]] = [{"role": "system", "content": "You are a helpful AI assistant."}] + [
    {"role": "user", "content": "Plan a three-step test of the login page.", "name": "user"} if i % 2 == 0
    else {"role": "assistant", "content": REPLY, "name": "assistant"}
    for i in range(20)
]


def llm_path_worker(url: str, model: str, calls: int, rounds: int) -> int:
    """``--llm-path-worker URL``: per call, ``LLMClient.create`` (in a run, with an event subscriber:
    events, usage, cost and the stop token all live) against ``litellm.completion`` with the same
    messages; batches of ``calls`` alternate which goes first. Prints one JSON line."""
    from components.llm.client import LLMClient
    from components.llm.config import normalize_llm_config, settings_from_config
    from components.llm.litellm_loader import get_litellm
    from components.runtime import EventBus, run_context

    litellm = get_litellm()
    client = LLMClient(settings_from_config(normalize_llm_config(
        {"model": f"openai/{model}", "api_base": url, "api_key": "sk-x"}
    )))
    usage: list[Any] = []
    bus = EventBus()
    bus.subscribe(lambda e: usage.append(e) if e.kind == "usage" else None)
    ways = {
        "litellm": lambda: litellm.completion(model=f"openai/{model}", messages=LLM_PATH_MESSAGES, api_base=url, api_key="sk-x"),
        "roundtable": lambda: client.create(LLM_PATH_MESSAGES, agent="assistant"),
    }
    samples: dict[str, dict[str, list[float]]] = {k: {"wall": [], "cpu": []} for k in ways}
    with run_context(bus=bus):
        for _ in range(10):  # warm-up: connections, litellm's lazy setup
            for way in ways.values():
                way()
        for round_index in range(rounds):
            order = list(ways) if round_index % 2 == 0 else list(ways)[::-1]
            for name in order:
                wall, cpu = time.perf_counter(), time.process_time()
                for _ in range(calls):
                    ways[name]()
                samples[name]["wall"].append((time.perf_counter() - wall) / calls)
                samples[name]["cpu"].append((time.process_time() - cpu) / calls)
    priced = sum(1 for u in usage if u.cost is not None)
    print(json.dumps({"samples": samples, "usage_events": len(usage), "priced": priced}), flush=True)
    return 0


def measure_llm_path(url: str, model: str, calls: int, rounds: int) -> dict[str, Any]:
    worker = Worker(
        [sys.executable, str(Path(__file__).resolve()), "--llm-path-worker", url, "--model", model,
         "--llm-path-calls", str(calls), "--llm-path-rounds", str(rounds)],
        "LLM path worker",
    )
    try:
        return worker.read()
    finally:
        worker.close()


def print_llm_path(result: dict[str, Any], calls: int, rounds: int) -> None:
    samples = result["samples"]
    print(f"\nLLM path: one model call through Roundtable's client (LLMClient.create, inside a run with an "
          f"event subscriber) against a bare litellm.completion with the same 21 messages, same process, "
          f"{rounds} alternating batches of {calls} calls, median per call. {result['usage_events']} usage "
          f"events, {result['priced']} of them priced.\n")
    print("| path | wall ms/call | CPU ms/call |")
    print("|---|---:|---:|")
    medians = {k: {m: statistics.median(v[m]) for m in ("wall", "cpu")} for k, v in samples.items()}
    for name, label in (("litellm", "litellm.completion"), ("roundtable", "LLMClient.create")):
        print(f"| {label} | {ms(medians[name]['wall'])} | {ms(medians[name]['cpu'])} |")
    print(f"| ratio Roundtable / litellm | {medians['roundtable']['wall'] / medians['litellm']['wall']:.3f} "
          f"| {medians['roundtable']['cpu'] / medians['litellm']['cpu']:.3f} |")


# -- processes -----------------------------------------------------------------------------------------
class Worker:
    """A child process that answers one JSON line with one JSON line."""

    def __init__(self, argv: list[str], name: str) -> None:
        self.name = name
        # A file, not a pipe: a chatty child never blocks on it. Closed in close().
        self.stderr = tempfile.TemporaryFile(mode="w+")  # noqa: SIM115
        self.proc = subprocess.Popen(
            argv, cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.stderr, text=True, bufsize=1,
        )

    def read(self) -> Any:
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if not line:
            self.proc.wait(timeout=10)
            self.stderr.seek(0)
            raise SystemExit(f"{self.name} exited unexpectedly:\n{self.stderr.read()[-4000:]}")
        return json.loads(line)

    def ask(self, request: dict[str, Any] | str) -> Any:
        assert self.proc.stdin is not None
        self.proc.stdin.write((request if isinstance(request, str) else json.dumps(request)) + "\n")
        self.proc.stdin.flush()
        answer = self.read()
        if isinstance(answer, dict) and "error" in answer:
            raise SystemExit(f"{self.name} failed: {answer['error']}")
        return answer

    def close(self) -> None:
        if self.proc.stdin:
            self.proc.stdin.close()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.stderr.close()


def venv_python() -> Path:
    return VENV / "bin" / "python"


def ag2_installed() -> bool:
    if not venv_python().exists():
        return False
    probe = subprocess.run(
        [str(venv_python()), "-c", "import importlib.metadata as m, openai; print(m.version('ag2'))"],
        check=False, capture_output=True, text=True,
    )
    return probe.returncode == 0 and probe.stdout.strip() == AG2_VERSION


def ensure_ag2(skip_install: bool) -> None:
    if ag2_installed():
        return
    if skip_install:
        raise SystemExit(f"--skip-install: {VENV.relative_to(ROOT)} has no {AG2_REQUIREMENT}; run once without it")
    print(f"Installing {AG2_REQUIREMENT} into {VENV.relative_to(ROOT)} ...", flush=True)
    if not venv_python().exists():
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
    subprocess.run([str(venv_python()), "-m", "pip", "install", "--quiet", AG2_REQUIREMENT], check=True)
    if not ag2_installed():
        raise SystemExit(f"{AG2_REQUIREMENT} did not install into {VENV.relative_to(ROOT)}")


def engine_python(engine: str) -> str:
    return sys.executable if engine == "roundtable" else str(venv_python())


# -- measurements --------------------------------------------------------------------------------------
def import_times(samples: int) -> dict[str, list[float]]:
    """Fresh interpreters, alternating: seconds to import each engine, ``samples`` times."""
    snippets = {
        "import components": (sys.executable, "import components"),
        "import components + litellm (first model call)": (
            sys.executable, "import components; from components.llm.litellm_loader import get_litellm; get_litellm()"),
        "import autogen (imports openai)": (str(venv_python()), "import autogen"),
    }
    times: dict[str, list[float]] = {label: [] for label in snippets}
    for _ in range(samples):
        for label, (python, code) in snippets.items():
            timed = f"import time; t = time.perf_counter(); {code}; print(time.perf_counter() - t)"
            out = subprocess.run([python, "-c", timed], cwd=ROOT, capture_output=True, text=True, check=True)
            times[label].append(float(out.stdout.strip().splitlines()[-1]))
    return times


Results = dict[tuple[str, str, bool], list[dict[str, Any]]]


def per_message(results: list[dict[str, Any]], key: str) -> list[float]:
    return [r[key][0] / r["messages"][0] for r in results]


def ms(value: float) -> str:
    return f"{value * 1000:.2f}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=7, help="measured rounds (each: every scenario on both engines)")
    parser.add_argument("--skip-install", action="store_true", help="do not create or install the AG2 virtualenv")
    parser.add_argument("--floor-calls", type=int, default=60, help="requests per bare-client floor sample")
    parser.add_argument("--model", default="gpt-4o-mini", help="model name both engines ask the server for")
    parser.add_argument("--import-samples", type=int, default=5, help="fresh interpreters per import timing")
    parser.add_argument("--llm-path-only", action="store_true",
                        help="measure only the LLM path (Roundtable's client vs bare litellm); needs no AG2")
    parser.add_argument("--llm-path-calls", type=int, default=30, help="calls per LLM-path batch")
    parser.add_argument("--llm-path-rounds", type=int, default=15, help="LLM-path batches per way")
    parser.add_argument("--serve-llm", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--llm-path-worker", metavar="URL", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_llm:
        return serve_llm()
    if args.llm_path_worker:
        return llm_path_worker(args.llm_path_worker, args.model, args.llm_path_calls, args.llm_path_rounds)
    if args.rounds < 1:
        parser.error("--rounds must be at least 1")
    if args.llm_path_only:
        server = Worker([sys.executable, str(Path(__file__).resolve()), "--serve-llm"], "scripted LLM server")
        try:
            result = measure_llm_path(server.read()["url"], args.model, args.llm_path_calls, args.llm_path_rounds)
        finally:
            server.close()
        print_llm_path(result, args.llm_path_calls, args.llm_path_rounds)
        return 0

    ensure_ag2(args.skip_install)
    server = Worker([sys.executable, str(Path(__file__).resolve()), "--serve-llm"], "scripted LLM server")
    workers: dict[str, Worker] = {}
    try:
        url = server.read()["url"]
        for engine in ENGINES:
            workers[engine] = Worker(
                [engine_python(engine), str(RUNNER), "--engine", engine, "--url", url, "--serve"], f"{engine} worker"
            )
            workers[engine].read()  # ready: imports done
        for engine in ENGINES:  # warm-up, not measured
            for scenario, stub in CASES:
                workers[engine].ask({"scenario": scenario, "model": args.model, "stub": stub})
            workers[engine].ask({"scenario": "floor", "model": args.model, "times": 5})

        def measured(engine: str, request: dict[str, Any]) -> dict[str, Any]:
            """One request to a worker, with the number of model requests the server saw meanwhile."""
            before = server.ask("count")
            result = workers[engine].ask(request)
            return {**result, "requests": server.ask("count") - before}

        results: Results = {(e, *case): [] for e in ENGINES for case in CASES}
        floors: dict[str, list[dict[str, Any]]] = {e: [] for e in ENGINES}
        for round_index in range(args.rounds):
            order = ENGINES if round_index % 2 == 0 else ENGINES[::-1]
            for scenario, stub in CASES:
                for engine in order:
                    results[engine, scenario, stub].append(
                        measured(engine, {"scenario": scenario, "model": args.model, "stub": stub})
                    )
            for engine in order:
                floors[engine].append(
                    measured(engine, {"scenario": "floor", "model": args.model, "times": args.floor_calls})
                )
        llm_path = measure_llm_path(url, args.model, args.llm_path_calls, args.llm_path_rounds)
    finally:
        for worker in workers.values():
            worker.close()
        server.close()

    check_same_work(results, floors, args.floor_calls)
    imports = import_times(args.import_samples)
    print_report(args, results, floors, imports)
    print_llm_path(llm_path, args.llm_path_calls, args.llm_path_rounds)
    return 0


def check_same_work(results: Results, floors: dict[str, list[dict[str, Any]]], floor_calls: int) -> None:
    """Both engines must have done the same work, or the comparison means nothing."""
    for scenario, stub in CASES:
        label = f"{scenario}{' (stub)' if stub else ''}"
        messages = {e: {r["messages"][0] for r in results[e, scenario, stub]} for e in ENGINES}
        calls = {e: {r["requests"] for r in results[e, scenario, stub]} for e in ENGINES}
        if len(messages["roundtable"] | messages["ag2"]) != 1:
            raise SystemExit(f"{label}: the engines exchanged different numbers of messages: {messages}")
        if len(calls["roundtable"] | calls["ag2"]) != 1 or (0 in calls["ag2"]) != stub:
            raise SystemExit(f"{label}: the engines made different numbers of model requests: {calls}")
    for engine in ENGINES:
        if any(f["requests"] != floor_calls for f in floors[engine]):
            raise SystemExit(f"floor: {engine}'s client did not make {floor_calls} requests per sample")


def print_report(
    args: argparse.Namespace, results: Results, floors: dict[str, list[dict[str, Any]]], imports: dict[str, list[float]]
) -> None:
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"\n## Engine overhead ({date.today().isoformat()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
          f"ag2 {AG2_VERSION}, model name {args.model!r}, {args.rounds} rounds, load average {load:.1f})\n")
    print("Median per message over the rounds. wall = the chat's elapsed time / messages; CPU = the engine "
          "process's CPU time, all threads, / messages. Each engine runs in its own worker process (the same "
          "runner code, the same server process), so neither shares a process with the orchestrator or the "
          "server and both start equally warm. 'stub' rows replace the model client by an in-process stub "
          "that answers at once: the engine alone, without HTTP or client library.\n")
    print("| scenario | messages | model requests | Roundtable wall ms/msg | AG2 wall ms/msg | wall RT/AG2 "
          "| Roundtable CPU ms/msg | AG2 CPU ms/msg | CPU RT/AG2 |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for scenario, stub in CASES:
        runs = {e: results[e, scenario, stub] for e in ENGINES}
        wall = {e: statistics.median(per_message(runs[e], "seconds")) for e in ENGINES}
        cpu = {e: statistics.median(per_message(runs[e], "cpu_seconds")) for e in ENGINES}
        print(f"| {scenario}{' (stub)' if stub else ''} | {runs['ag2'][0]['messages'][0]} | {runs['ag2'][0]['requests']} "
              f"| {ms(wall['roundtable'])} | {ms(wall['ag2'])} | {wall['roundtable'] / wall['ag2']:.2f} "
              f"| {ms(cpu['roundtable'])} | {ms(cpu['ag2'])} | {cpu['roundtable'] / cpu['ag2']:.2f} |")

    print("\nBuilding the agents of one chat (not in the per-message figures), median ms:\n")
    print("| scenario | Roundtable | AG2 |")
    print("|---|---:|---:|")
    for scenario in SCENARIOS:
        build = {e: statistics.median(r["build_seconds"][0] for r in results[e, scenario, False]) for e in ENGINES}
        print(f"| {scenario} | {ms(build['roundtable'])} | {ms(build['ag2'])} |")

    print(f"\nFloor: one bare chat-completions request (system message + 20 turns) to the same server, "
          f"{args.floor_calls} per round, median per request: each engine's client alone, no agent.\n")
    print("| client | wall ms/request | CPU ms/request |")
    print("|---|---:|---:|")
    labels = {"roundtable": "litellm.completion (Roundtable's client)", "ag2": "openai SDK (AG2's client)"}
    for engine in ENGINES:
        wall = statistics.median(f["seconds"][0] / f["calls"] for f in floors[engine])
        cpu = statistics.median(f["cpu_seconds"][0] / f["calls"] for f in floors[engine])
        print(f"| {labels[engine]} | {ms(wall)} | {ms(cpu)} |")

    print(f"\nImport time, fresh interpreter, median of {args.import_samples}:\n")
    print("| import | seconds |")
    print("|---|---:|")
    for label, samples in imports.items():
        print(f"| `{label}` | {statistics.median(samples):.2f} |")
    print()


if __name__ == "__main__":
    raise SystemExit(main())
