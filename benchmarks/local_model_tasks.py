"""Do the built-in models solve demo tasks? End to end through the engine, code executed, output checked.

Each task runs through the gallery's Coder + Executor team as it ships (its prompts and termination rules),
with every agent on the model under test (temperature 0.2, max_tokens 512, streamed, as the built-in model
spec) and a ``seed`` per repetition, code run by the local executor in a fresh folder. A task is solved when
some code block the executor ran succeeded and its output passes the task's check (for the chart, a PNG file
was made). Each model and seed runs in a child process of its own, so its peak RSS is its own; seed by seed,
the models alternate, and every run is saved as it ends. Reported per model:
tasks solved, wall time per task (median), first token (median over the coder's replies, from the message
it answers to its first streamed token; the first reply in each process, which also loads the model, is
left out), decode tokens/s (median), peak RSS of the process, and why the
unsolved runs failed.

    python -m benchmarks.local_model_tasks [--seeds 3] [--models local/qwen2.5-coder-0.5b local/smollm2] \\
        [--save results.jsonl]     # then: --report --save results.jsonl prints the table again
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from components.llm.local_catalog import DEFAULT_LOCAL_MODEL, LIGHT_MODEL


def _ints(text: str) -> list[int]:
    return [int(n) for n in re.findall(r"-?\d+", text)]


def _in_order(items: list[Any], wanted: list[Any]) -> bool:
    it = iter(items)
    return all(any(x == w for x in it) for w in wanted)


def _fizzbuzz(out: str) -> bool:
    expected = [str(n) if n % 3 and n % 5 else "Fizz" * (n % 3 == 0) + "Buzz" * (n % 5 == 0) for n in range(1, 16)]
    return _in_order(re.findall(r"FizzBuzz|Fizz|Buzz|\d+", out), expected)


PRIMES = [2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47]


@dataclass(frozen=True)
class Task:
    key: str
    text: str
    check: Callable[[str, list[str]], bool]  # (output of a successful block, files it made)


TASKS = (
    # the gallery's three example tasks
    Task("squares", "Print the first 10 square numbers.",
         lambda out, files: _in_order(_ints(out), [n * n for n in range(1, 10)])),  # from 0 or from 1
    Task("bar_chart", "Draw a bar chart of the numbers 3, 7 and 5 and save it as chart.png.",
         lambda out, files: any(f.endswith(".png") for f in files)),
    Task("palindrome", "Write a function that checks whether a word is a palindrome, and test it on three words.",
         lambda out, files: len(re.findall(r"True|False|palindrome", out)) >= 3),
    # ten more
    Task("fizzbuzz", "Print FizzBuzz for the numbers 1 to 15.", lambda out, files: _fizzbuzz(out)),
    Task("primes", "Print the prime numbers below 50.", lambda out, files: set(_ints(out)) == set(PRIMES)),
    Task("word_counts", "Count how often each word appears in the sentence 'the cat and the hat and the bat', "
         "and print the counts.",
         lambda out, files: bool(re.search(r"the\W{1,4}3\b", out) and re.search(r"and\W{1,4}2\b", out))),
    Task("days_between", "Print the number of days between 2024-01-01 and 2024-03-01.",
         lambda out, files: 60 in _ints(out)),
    Task("reverse", "Reverse the string 'Roundtable' and print it.", lambda out, files: "elbatdnuoR" in out),
    Task("digit_sum", "Print the sum of the digits of 987654321.", lambda out, files: 45 in _ints(out)),
    Task("factorial", "Print the factorial of 10.", lambda out, files: 3628800 in _ints(out)),
    Task("fibonacci", "Print the first 10 Fibonacci numbers.",
         lambda out, files: _in_order(_ints(out), [1, 2, 3, 5, 8, 13, 21, 34])),
    Task("largest", "Print the largest number in the list [3, 41, 7, 26, 15].",
         lambda out, files: bool(_ints(out)) and _ints(out)[-1] == 41),
    Task("sort", "Sort the list [5, 2, 9, 1] in ascending order and print it.",
         lambda out, files: _in_order(_ints(out), [1, 2, 5, 9])),
)


def run_task(model: str, task: Task, seed: int) -> dict[str, Any]:
    """One task, one seed, through the gallery's Coder + Executor team; what happened and how long it took."""
    from components import CodeFinished, EventBus, MessageSent, TokenDelta
    from components.runtime import run_context
    from studio.builder import build_team
    from studio.defaults import builtin_model
    from studio.gallery import customise, gallery_team

    spec = builtin_model().model_copy(update={"model": model, "extra": {"seed": seed}})
    document = customise(gallery_team("coder_executor").document, spec)
    events: list[Any] = []
    bus = EventBus()
    bus.subscribe(events.append)
    with tempfile.TemporaryDirectory(prefix="roundtable-bench-") as folder:
        built = build_team(document, Path(folder))
        started = time.perf_counter()
        error = None
        try:
            with run_context(bus=bus):
                built.initiator.initiate_chat(built.recipient, message=task.text, **built.chat_kwargs)
        except Exception as exc:  # noqa: BLE001 - a benchmark records the failure and goes on
            error = f"{type(exc).__name__}: {exc}"
        finally:
            built.close()
        seconds = time.perf_counter() - started
    runs = [e for e in events if isinstance(e, CodeFinished)]
    solved = any(r.exit_code == 0 and task.check(r.output, [a.path for a in r.artifacts]) for r in runs)
    replies = [e for e in events if isinstance(e, MessageSent) and e.sender == "coder"]
    reason = "solved" if solved else _why(error, runs, replies)
    first_tokens, rates = _stream_timings(events, TokenDelta)
    return {"task": task.key, "seed": seed, "solved": solved, "seconds": seconds, "reason": reason, "error": error,
            "first_token_s": first_tokens, "tokens_per_s": rates,
            "outputs": [r.output[:300] for r in runs], "replies": [str(m.content or "")[:400] for m in replies]}


def _why(error: str | None, runs: list[Any], replies: list[Any]) -> str:
    if error:
        return "error"
    if not runs:
        texts = [str(r.content or "").strip() for r in replies]
        return "bare TERMINATE" if texts and all(t.endswith("TERMINATE") and len(t) < 20 for t in texts) else "no code"
    if any(r.exit_code == 0 for r in runs):
        return "ran, wrong output"
    return "code failed"


def _stream_timings(events: list[Any], token_type: type) -> tuple[list[float], list[float]]:
    """Per streamed reply: seconds from the previous event to its first token, and decode tokens/s."""
    first: dict[str, int] = {}
    tokens: dict[str, list[float]] = {}
    for i, event in enumerate(events):
        if isinstance(event, token_type):
            first.setdefault(event.stream_id, i)
            tokens.setdefault(event.stream_id, []).append(event.ts)
    first_tokens, rates = [], []
    for stream_id, index in first.items():
        before = next((e for e in reversed(events[:index]) if not isinstance(e, token_type)), None)
        if before is not None:
            first_tokens.append(events[index].ts - before.ts)
        stamps = tokens[stream_id]
        if len(stamps) > 2 and stamps[-1] > stamps[0]:
            rates.append((len(stamps) - 1) / (stamps[-1] - stamps[0]))
    return first_tokens, rates


def child(model: str, seed: int, only: list[str], out: str) -> None:
    """Run every task (or those in ``only``) with one seed on one model, appending one JSON line per run to
    ``out`` as it finishes (a long run interrupted still leaves its figures)."""
    from components.llm import local_model

    ready, message = local_model.local_model_status(model)
    choice = local_model.resolve(model)
    if choice.note or not ready:
        raise SystemExit(f"{model}: {choice.note or message}")
    tasks = [t for t in TASKS if not only or t.key in only]
    for task in tasks:
        result = run_task(model, task, seed)
        result["rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        with open(out, "a") as stream:
            stream.write(json.dumps({"model": model, **result}) + "\n")


def load(path: str) -> dict[str, list[dict[str, Any]]]:
    by_model: dict[str, list[dict[str, Any]]] = {}
    for line in Path(path).read_text().splitlines():
        row = json.loads(line)
        by_model.setdefault(row["model"], []).append(row)
    return by_model


def _median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def report(model: str, results: list[dict[str, Any]]) -> None:
    solved = sum(r["solved"] for r in results)
    reasons: dict[str, int] = {}
    for r in results:
        if not r["solved"]:
            reasons[r["reason"]] = reasons.get(r["reason"], 0) + 1
    per_task = {t.key: sum(r["solved"] for r in results if r["task"] == t.key) for t in TASKS
                if any(r["task"] == t.key for r in results)}
    # The first reply of each child process also pays for importing litellm and loading the model: left out.
    firsts = {r["seed"]: r for r in reversed(results)}.values()
    first = [x for r in results for x in r["first_token_s"][1 if any(r is f for f in firsts) else 0:]]
    rates = [x for r in results for x in r["tokens_per_s"]]
    rss_gb = max(r["rss_mb"] for r in results) / 1024
    print(
        f"| {model} | {solved}/{len(results)} ({100 * solved / len(results):.0f}%) "
        f"| {_median([r['seconds'] for r in results]):.1f} | {_median(first):.2f} | {_median(rates):.1f} "
        f"| {rss_gb:.2f} | {', '.join(f'{k}: {v}' for k, v in sorted(reasons.items())) or '-'} |"
    )
    print("    per task: " + ", ".join(f"{k} {v}" for k, v in per_task.items()))


def print_table(path: str) -> None:
    print("| model | solved | s per task | first token (s) | decode tok/s | peak RSS (GB) | unsolved, why |")
    print("|---|---|---|---|---|---|---|")
    for model, results in load(path).items():
        report(model, results)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--models", nargs="+", default=[DEFAULT_LOCAL_MODEL, LIGHT_MODEL])
    parser.add_argument("--tasks", nargs="*", default=[], help="only these tasks (keys), for a quick look")
    parser.add_argument("--save", default="local_model_tasks.jsonl", help="the raw results, one JSON line per run")
    parser.add_argument("--report", action="store_true", help="only print the table of what --save holds")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--seed", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.seed, args.tasks, args.save)
        return
    if not args.report:
        print(f"{len(TASKS)} tasks x {args.seeds} seeds per model; load average {os.getloadavg()[0]:.1f} at the start")
        for seed in range(args.seeds):  # seed by seed, models alternating: load changes hit every model alike
            for model in args.models:
                done = subprocess.run(
                    [sys.executable, "-m", "benchmarks.local_model_tasks", "--child", model, "--seed", str(seed),
                     "--save", args.save, "--tasks", *args.tasks],
                    capture_output=True, text=True, env={**os.environ, "PYTHONPATH": os.getcwd()}, check=False,
                )
                if done.returncode != 0:
                    print(f"{model} stopped: {(done.stderr.strip().splitlines() or [str(done.returncode)])[-1]}")
        print(f"load average {os.getloadavg()[0]:.1f} at the end")
    print_table(args.save)


if __name__ == "__main__":
    main()
