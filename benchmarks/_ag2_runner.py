"""Worker for ``benchmarks/engine_overhead.py``: plays the benchmark's chats with one engine and times them.

It is run by the AG2 virtualenv's python (``--engine ag2``, ``import autogen``) and, for symmetry, by
the project's python (``--engine roundtable``, ``import components``). The scenarios below are the same
code for both engines: only the import and the shape of ``llm_config`` differ, so both do the same work.

    python benchmarks/_ag2_runner.py --engine ag2 --url URL --scenario group --times 5   # prints JSON
    python benchmarks/_ag2_runner.py --engine ag2 --url URL --serve                      # JSON lines on stdin

With ``--serve`` it reads one request a line (``{"scenario": "group", "model": "m", "times": 1}``)
and answers each with one JSON line. Anything the engine prints (AG2 prints every message to the
console, as it does by default) goes to the null device; only the JSON reaches stdout.

Scenarios (the model answers every request at once with a short text, never "TERMINATE"):
- ``group``: a UserProxyAgent (NEVER, no code execution) and 3 AssistantAgents in a round-robin
  GroupChat of ``max_round=40``, under a GroupChatManager without an LLM;
- ``pair``: a UserProxyAgent (NEVER, no code execution, default_auto_reply "continue") and one
  AssistantAgent, ``initiate_chat(..., max_turns=20)``;
- ``floor``: ``--times`` bare requests with the engine's own client and no agent (litellm for
  Roundtable, the openai SDK for AG2): the cost of the client alone.

``"stub": true`` (``--stub``) plays ``group`` or ``pair`` with the model client replaced by an in-process
stub that answers at once, without HTTP: what remains is the engine alone. For AG2 that is its
documented custom model client (``model_client_cls`` + ``register_model_client``); for Roundtable,
``LLMClient``'s litellm call is replaced (its retries, helper thread, events and usage stay).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any, Self

GROUP_ROUNDS = 40
PAIR_TURNS = 20
FIRST_MESSAGE = "Plan a three-step test of the login page."
REPLY = "Noted. Here is my short answer."  # what the scripted server answers, and the stub
# The floor sends what an agent sends halfway through these chats: a system message and 20 turns.
FLOOR_MESSAGES: list[Any] = [{"role": "system", "content": "You are a helpful AI assistant."}] + [
    {"role": "user", "content": FIRST_MESSAGE, "name": "user"} if i % 2 == 0 else {"role": "assistant", "content": REPLY}
    for i in range(20)
]


class Timer:
    """Wall time and this process's CPU time (all threads) spent inside the block."""

    def __enter__(self) -> Self:
        self._wall, self._cpu = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *exc: object) -> None:
        self.wall = time.perf_counter() - self._wall
        self.cpu = time.process_time() - self._cpu


# -- the engines -----------------------------------------------------------------------------------------
class AG2:
    name = "ag2"

    def __init__(self, url: str) -> None:
        import autogen

        self.api, self.url = autogen, url

    def llm_config(self, model: str, stub: bool) -> dict[str, Any]:
        # cache_seed None: no disk cache, every reply is a real request to the server.
        entry = {"model": model, "model_client_cls": "StubClient"} if stub else {"model": model, "base_url": self.url, "api_key": "sk-x"}
        return {"config_list": [entry], "cache_seed": None}

    def prepare(self, agents: list[Any], stub: bool) -> None:
        if stub:
            for agent in agents:
                agent.register_model_client(model_client_cls=StubClient)

    @contextlib.contextmanager
    def stubbed(self, stub: bool) -> Iterator[None]:
        yield

    def floor_call(self, model: str) -> Any:
        import openai

        client = openai.OpenAI(base_url=self.url, api_key="sk-x")
        return lambda: client.chat.completions.create(model=model, messages=FLOOR_MESSAGES)


class StubClient:
    """AG2's custom model client protocol, answering REPLY at once."""

    def __init__(self, config: dict[str, Any], **kwargs: Any) -> None:
        self.model = config["model"]

    def create(self, params: dict[str, Any]) -> Any:
        message = SimpleNamespace(role="assistant", content=REPLY, tool_calls=None, function_call=None)
        return SimpleNamespace(choices=[SimpleNamespace(message=message)], model=self.model, cost=0.0)

    def message_retrieval(self, response: Any) -> list[str]:
        return [choice.message.content for choice in response.choices]

    def cost(self, response: Any) -> float:
        return 0.0

    @staticmethod
    def get_usage(response: Any) -> dict[str, Any]:
        return {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0, "cost": 0.0, "model": response.model}


class Roundtable:
    name = "roundtable"

    def __init__(self, url: str) -> None:
        sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
        import components

        self.api, self.url = components, url

    def llm_config(self, model: str, stub: bool) -> dict[str, Any]:
        return {"model": f"openai/{model}", "api_base": self.url, "api_key": "sk-x"}

    def prepare(self, agents: list[Any], stub: bool) -> None:
        pass

    @contextlib.contextmanager
    def stubbed(self, stub: bool) -> Iterator[None]:
        if not stub:
            yield
            return
        from components.llm import client as llm_client

        def attempt(self: Any, entry: Any, messages: Any, tools: Any, stream: Any, agent: Any) -> Any:
            llm_client.to_llm_messages(messages)  # the engine's own message preparation stays
            return llm_client.LLMResponse(message={"role": "assistant", "content": REPLY}, model=entry.model, cost=0.0)

        original = llm_client.LLMClient._attempt
        llm_client.LLMClient._attempt = attempt  # type: ignore[method-assign]
        try:
            yield
        finally:
            llm_client.LLMClient._attempt = original  # type: ignore[method-assign]

    def floor_call(self, model: str) -> Any:
        from components.llm.litellm_loader import get_litellm

        litellm = get_litellm()
        # The keyword arguments Roundtable's LLMClient passes.
        return lambda: litellm.completion(model=f"openai/{model}", messages=FLOOR_MESSAGES, api_base=self.url,
                                          api_key="sk-x", num_retries=0, max_retries=0)


ENGINES = {"ag2": AG2, "roundtable": Roundtable}


# -- the scenarios ---------------------------------------------------------------------------------------
def run_group(engine: Any, model: str, stub: bool) -> tuple[float, float, float, int]:
    api, config = engine.api, engine.llm_config(model, stub)
    with Timer() as build:
        user = api.UserProxyAgent(
            "user", human_input_mode="NEVER", code_execution_config=False, default_auto_reply="continue"
        )
        assistants = [
            api.AssistantAgent(name, llm_config=config, system_message=f"You are the {name}. Answer briefly.")
            for name in ("planner", "coder", "reviewer")
        ]
        engine.prepare(assistants, stub)
        groupchat = api.GroupChat(
            agents=[user, *assistants], messages=[], max_round=GROUP_ROUNDS, speaker_selection_method="round_robin"
        )
        manager = api.GroupChatManager(groupchat=groupchat, llm_config=False)
    with Timer() as chat:
        user.initiate_chat(manager, message=FIRST_MESSAGE)
    return build.wall, chat.wall, chat.cpu, len(groupchat.messages)


def run_pair(engine: Any, model: str, stub: bool) -> tuple[float, float, float, int]:
    api, config = engine.api, engine.llm_config(model, stub)
    with Timer() as build:
        user = api.UserProxyAgent(
            "user", human_input_mode="NEVER", code_execution_config=False, default_auto_reply="continue"
        )
        assistant = api.AssistantAgent("assistant", llm_config=config)
        engine.prepare([assistant], stub)
    with Timer() as chat:
        result = user.initiate_chat(assistant, message=FIRST_MESSAGE, max_turns=PAIR_TURNS)
    return build.wall, chat.wall, chat.cpu, len(result.chat_history)


SCENARIOS = {"group": run_group, "pair": run_pair}


def floor(engine: Any, model: str, calls: int) -> dict[str, Any]:
    """``calls`` bare requests with the engine's client: litellm for Roundtable, the openai SDK for AG2."""
    call = engine.floor_call(model)
    with Timer() as timer:
        for _ in range(calls):
            call()
    return {"scenario": "floor", "model": model, "calls": calls, "seconds": [timer.wall], "cpu_seconds": [timer.cpu]}


def run(engine: Any, scenario: str, model: str, times: int, stub: bool = False) -> dict[str, Any]:
    if scenario == "floor":
        return floor(engine, model, times)
    play = SCENARIOS[scenario]
    build_seconds, seconds, cpu_seconds, messages = [], [], [], []
    with engine.stubbed(stub):
        for _ in range(times):
            build, wall, cpu, count = play(engine, model, stub)
            build_seconds.append(build)
            seconds.append(wall)
            cpu_seconds.append(cpu)
            messages.append(count)
    return {"scenario": scenario, "model": model, "stub": stub, "build_seconds": build_seconds, "seconds": seconds,
            "cpu_seconds": cpu_seconds, "messages": messages}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--engine", required=True, choices=sorted(ENGINES))
    parser.add_argument("--url", required=True, help="the scripted server's /v1 base URL")
    parser.add_argument("--scenario", choices=[*SCENARIOS, "floor"])
    parser.add_argument("--model", default="gpt-4o-mini", help="model name sent to the server")
    parser.add_argument("--times", type=int, default=1)
    parser.add_argument("--stub", action="store_true", help="replace the model client by an in-process stub")
    parser.add_argument("--serve", action="store_true", help="answer JSON-line requests on stdin")
    args = parser.parse_args()
    if not args.serve and not args.scenario:
        parser.error("give --scenario (one-shot) or --serve")

    # Keep the JSON channel for ourselves; whatever the engine prints goes to the null device.
    out = os.fdopen(os.dup(sys.stdout.fileno()), "w", buffering=1)
    sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - lives as long as the process

    started = time.perf_counter()
    engine = ENGINES[args.engine](args.url)
    import_s = time.perf_counter() - started

    if not args.serve:
        result = run(engine, args.scenario, args.model, args.times, args.stub)
        out.write(json.dumps({**result, "engine": args.engine, "import_s": import_s}) + "\n")
        return 0
    out.write(json.dumps({"ready": True, "engine": args.engine, "import_s": import_s}) + "\n")
    for line in sys.stdin:
        if not line.strip():
            continue
        request = json.loads(line)
        try:
            result = run(engine, request["scenario"], request.get("model", args.model), int(request.get("times", 1)),
                         bool(request.get("stub", False)))
        except Exception as exc:  # noqa: BLE001 - reported to the parent, which stops the benchmark
            result = {"error": f"{type(exc).__name__}: {exc}"}
        out.write(json.dumps(result) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
