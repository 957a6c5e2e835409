"""Speed of a built-in model (``--model``, default ``local/smollm2``): through litellm (what the engine does) vs llama_cpp directly.

Both paths stream the same prompts with the same settings (temperature 0) from the same loaded ``Llama``
(``local_model.locked_model()``), alternating run by run so that load on a shared machine hits both alike. Each run
(and each path) uses a prompt of its own, so the prompt cache only spares the chat template's shared prefix.
Reported, median over the runs:

- time to first token: from the call to the first text chunk (prompt processing included);
- decode tokens/s: text chunks after the first / time from the first chunk to the last;
- end to end tokens/s: text chunks / whole call.

One-time costs (importing litellm, loading the model, litellm's own set-up on its first call) are measured
once, before the runs; after them, one call with a ~1,000-token prompt gives the prompt processing speed, and
a provider that streams canned chunks gives litellm's own cost per call and per chunk, free of the model's noise. ``OMP_WAIT_POLICY`` is read from the environment (``local_model`` sets PASSIVE if unset).

    PYTHONPATH=. python benchmarks/local_model.py [--runs 5] [--max-tokens 128] [--model local/smollm2]

Whether the models solve tasks, end to end through the engine: ``benchmarks/local_model_tasks.py``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from components.llm import local_model

MODEL = local_model.LIGHT_MODEL  # set from --model
PROMPT = "Task {i}: write a Python function that returns the sum of the even numbers in a list."


def timed_stream(texts: Iterable[str | None]) -> tuple[float, float, int]:
    """(seconds to the first text, seconds from the first text to the last, text chunks) of a stream."""
    start = time.perf_counter()
    first = last = 0.0
    count = 0
    for text in texts:
        if not text:
            continue
        last = time.perf_counter()
        first = first or last
        count += 1
    return first - start, last - first, count


def via_litellm(litellm: Any, max_tokens: int) -> Callable[[int], Iterator[str | None]]:
    def run(i: int) -> Iterator[str | None]:
        messages = [{"role": "user", "content": PROMPT.format(i=i)}]
        for chunk in litellm.completion(
            model=MODEL,
            messages=messages,
            stream=True,
            temperature=0,
            max_tokens=max_tokens,
        ):
            yield chunk.choices[0].delta.content if chunk.choices else None

    return run


def via_llama_cpp(max_tokens: int) -> Callable[[int], Iterator[str | None]]:
    def run(i: int) -> Iterator[str | None]:
        messages = [{"role": "user", "content": PROMPT.format(i=i)}]
        with local_model.locked_model(MODEL) as llama:  # the same Llama as the litellm path: only the path differs
            for chunk in llama.create_chat_completion(
                messages=messages, stream=True, temperature=0, max_tokens=max_tokens
            ):
                yield chunk["choices"][0]["delta"].get("content")

    return run


def long_prompt(litellm: Any) -> tuple[int, float]:
    """(prompt tokens, seconds) of one call with a fresh ~1,000-token prompt and a single output token."""
    turns = [
        f"Step {n}: the agent checked file {n}.py and found {n * 7 % 13} failing tests." for n in range(60)
    ]
    messages = [{"role": "user", "content": "\n".join(turns) + "\nSummarise."}]
    started = time.perf_counter()
    response = litellm.completion(
        model=MODEL, messages=messages, temperature=0, max_tokens=1
    )
    return response.usage.prompt_tokens, time.perf_counter() - started


def litellm_floor(litellm: Any, runs: int, n_chunks: int) -> tuple[float, float]:
    """litellm's own cost, without a model: (seconds to the first chunk, seconds per further chunk), medians,
    streaming ``n_chunks`` canned chunks from a provider registered for this measurement only."""
    chunk = {
        "text": "x",
        "tool_use": None,
        "is_finished": False,
        "finish_reason": "",
        "usage": None,
        "index": 0,
    }
    last = {**chunk, "text": "", "is_finished": True, "finish_reason": "stop"}

    class Canned(litellm.CustomLLM):
        def streaming(self, *args: Any, **kwargs: Any) -> Iterator[dict[str, Any]]:
            return iter([chunk] * n_chunks + [last])

    litellm.custom_provider_map = [
        *litellm.custom_provider_map,
        {"provider": "canned", "custom_handler": Canned()},
    ]

    def run() -> Iterator[str | None]:
        for part in litellm.completion(
            model="canned/x", messages=[{"role": "user", "content": "hi"}], stream=True
        ):
            yield part.choices[0].delta.content if part.choices else None

    timings = [timed_stream(run()) for _ in range(runs)]
    return statistics.median(t[0] for t in timings), statistics.median(t[1] / (t[2] - 1) for t in timings)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--max-tokens", type=int, default=128)
    parser.add_argument("--model", default=local_model.LIGHT_MODEL)
    args = parser.parse_args()
    global MODEL
    MODEL = args.model
    ok, message = local_model.local_model_status(MODEL)
    if not ok:
        raise SystemExit(message)
    load_before = os.getloadavg()[0]

    started = time.perf_counter()
    from components.llm.litellm_loader import get_litellm

    litellm = get_litellm()
    local_model.register()
    import_s = time.perf_counter() - started
    started = time.perf_counter()
    with local_model.locked_model(MODEL):
        load_s = time.perf_counter() - started
    first_ttft, _, _ = timed_stream(via_litellm(litellm, 1)(-1))

    paths = {
        f"litellm {MODEL}": via_litellm(litellm, args.max_tokens),
        "llama_cpp direct": via_llama_cpp(args.max_tokens),
    }
    results: dict[str, list[tuple[float, float, int]]] = {name: [] for name in paths}
    for i in range(args.runs):
        order = (
            list(paths.items()) if i % 2 == 0 else list(reversed(paths.items()))
        )  # neither always goes first
        for k, (name, run) in enumerate(order):
            results[name].append(timed_stream(run(2 * i + k)))  # a prompt of its own: no prompt-cache hit
    prompt_tokens, prompt_s = long_prompt(litellm)
    floor_first_s, floor_chunk_s = litellm_floor(litellm, runs=20, n_chunks=args.max_tokens)

    print(
        f"{args.runs} runs, max_tokens {args.max_tokens}, n_threads {local_model.n_threads()}, "
        f"OMP_WAIT_POLICY {os.environ.get('OMP_WAIT_POLICY')}, "
        f"load average {load_before:.1f} -> {os.getloadavg()[0]:.1f}"
    )
    print(
        f"one-time: import litellm + register {import_s:.2f} s; import llama_cpp + load the model {load_s:.2f} s; "
        f"first litellm call, to its first token {first_ttft:.2f} s"
    )
    print(
        f"a {prompt_tokens}-token prompt (a conversation of a few turns): "
        f"{prompt_s:.2f} s to process, {prompt_tokens / prompt_s:.0f} prompt tokens/s"
    )
    print(
        f"litellm's own cost (canned chunks, no model): first chunk after {floor_first_s * 1000:.1f} ms, "
        f"then {floor_chunk_s * 1e6:.0f} us per chunk"
    )
    print(f"{'path':<22} {'first token (s)':>16} {'decode tok/s':>13} {'end-to-end tok/s':>17} {'tokens':>7}")
    for name, runs in results.items():
        ttft = statistics.median(r[0] for r in runs)
        decode = statistics.median((r[2] - 1) / r[1] for r in runs if r[1] > 0)
        total = statistics.median(r[2] / (r[0] + r[1]) for r in runs)
        tokens = statistics.median(r[2] for r in runs)
        print(f"{name:<22} {ttft:>16.3f} {decode:>13.1f} {total:>17.1f} {tokens:>7.0f}")


if __name__ == "__main__":
    main()
