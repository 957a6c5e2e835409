"""AutoGen fidelity (issue 16): async twins, custom agents reached through a_receive, async nested chats."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from components import Agent, AssistantAgent, ConversableAgent, UserProxyAgent
from components.llm.scripted import say, tool_call


class Listener(Agent):
    """An agent of the program's own making: it only implements the async side, as AutoGen allows."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.description = "listens"
        self.heard: list[Any] = []
        self.loop_threads: list[bool] = []

    async def a_receive(self, message: Any, sender: Agent, request_reply: bool | None = None, silent: bool = False) -> None:
        await asyncio.sleep(0)
        self.loop_threads.append(asyncio.get_running_loop() is main_loop)
        self.heard.append(message)


main_loop: asyncio.AbstractEventLoop | None = None


def test_a_custom_agent_with_only_a_receive_is_awaited(recorder) -> None:
    speaker = ConversableAgent("speaker", llm_config=False)
    listener = Listener("listener")

    async def main() -> None:
        global main_loop
        main_loop = asyncio.get_running_loop()
        await speaker.a_send("hello", listener)

    asyncio.run(main())
    assert listener.heard == ["hello"]
    assert listener.loop_threads == [True]  # awaited on the program's own loop


def test_async_nested_chats_need_a_chat_id(llm, recorder) -> None:
    critic = AssistantAgent("critic", llm_config=llm.llm_config("critic"))
    reviewer = UserProxyAgent("reviewer", human_input_mode="NEVER", code_execution_config=False)
    with pytest.raises(ValueError, match="chat_id is required for async nested chats"):
        reviewer.register_nested_chats([{"recipient": critic, "max_turns": 1}], trigger=AssistantAgent, use_async=True)
    with pytest.raises(ValueError, match="must be a callable and a coroutine"):
        reviewer.register_nested_chats([{"recipient": critic, "chat_id": 1}], trigger=AssistantAgent, use_async=True,
                                       reply_func_from_nested_chats=lambda *a: (True, "x"))


def test_async_nested_chats_run_in_async_chats_only(llm, recorder) -> None:
    llm.script("critic", ["Looks good."])
    llm.respond("writer", lambda body: say("Draft"))
    critic = AssistantAgent("critic", llm_config=llm.llm_config("critic"))
    writer = AssistantAgent("writer", llm_config=llm.llm_config("writer"))
    reviewer = UserProxyAgent("reviewer", human_input_mode="NEVER", code_execution_config=False, default_auto_reply="sync")
    reviewer.register_nested_chats([{"recipient": critic, "max_turns": 1, "chat_id": 7}], trigger=writer, use_async=True)

    sync = writer.initiate_chat(reviewer, message="Review: text", max_turns=1)
    assert sync.chat_history[-1]["content"] == "sync"  # sat out the sync chat
    result = asyncio.run(writer.a_initiate_chat(reviewer, message="Review: text", max_turns=1))
    assert result.chat_history[-1]["content"] == "Looks good."


def test_awaitable_function_and_init_helpers(llm, recorder) -> None:
    async def slow_add(a: int, b: int) -> int:
        await asyncio.sleep(0)
        return a + b

    runner = UserProxyAgent("runner", human_input_mode="NEVER", code_execution_config=False,
                            function_map={"slow_add": slow_add})
    other = ConversableAgent("other", llm_config=False)

    async def main() -> tuple[Any, ...]:
        executed = await runner.a_execute_function({"name": "slow_add", "arguments": '{"a": 2, "b": 3}'})
        call = {"role": "assistant", "content": None, "function_call": {"name": "slow_add", "arguments": '{"a": 1, "b": 1}'}}
        function_reply = await runner.a_generate_function_call_reply([call], other)
        tools = {"role": "assistant", "content": None, "tool_calls": [
            {"id": "c1", "type": "function", "function": {"name": "slow_add", "arguments": '{"a": 4, "b": 4}'}}]}
        tool_reply = await runner.a_generate_tool_calls_reply([tools], other)
        init = await runner.a_generate_init_message("Start", carryover="earlier")
        return executed, function_reply, tool_reply, init

    executed, function_reply, tool_reply, init = asyncio.run(main())
    assert executed == (True, {"name": "slow_add", "role": "function", "content": 5})
    assert function_reply == (True, {"name": "slow_add", "role": "function", "content": 2})
    assert tool_reply[1]["tool_responses"] == [{"tool_call_id": "c1", "role": "tool", "content": 8}]
    assert tool_reply[1]["content"] == "8"
    assert init == "Start\nContext: \nearlier"


def test_update_function_signature_reaches_the_model(llm, recorder) -> None:
    llm.script("legacy", [tool_call("lookup", {"q": "x"}), "done"])
    agent = AssistantAgent("agent", llm_config=llm.llm_config("legacy"))
    signature = {"name": "lookup", "description": "Look something up.",
                 "parameters": {"type": "object", "properties": {"q": {"type": "string"}}, "required": ["q"]}}
    agent.update_function_signature(signature, is_remove=False)
    with pytest.warns(UserWarning, match="'lookup' is being overridden"):
        agent.update_function_signature(signature, is_remove=False)
    assert agent.llm_config["functions"] == [signature]
    user = UserProxyAgent("user", human_input_mode="NEVER", code_execution_config=False)
    agent.generate_reply([{"role": "user", "content": "find x"}], user)
    assert llm.requests_for("legacy")[0]["tools"] == [{"type": "function", "function": signature}]
    agent.update_function_signature("lookup", is_remove=True)
    assert "functions" not in agent.llm_config
    with pytest.raises(ValueError, match="must have a 'name' key"):
        agent.update_function_signature({"description": "x"}, is_remove=False)
    with pytest.raises(AssertionError, match="must have an llm_config"):
        user.update_function_signature(signature, is_remove=False)


def test_a_initiate_chats_with_ids_runs_by_prerequisites(llm, recorder) -> None:
    from components import a_initiate_chats

    llm.script("slow", [say("slow facts", delay_s=1.0)])
    llm.script("quick", ["quick facts"])
    llm.script("judge", ["verdict"])
    slow = AssistantAgent("slow", llm_config=llm.llm_config("slow"))
    quick = AssistantAgent("quick", llm_config=llm.llm_config("quick"))
    judge = AssistantAgent("judge", llm_config=llm.llm_config("judge"))
    user = UserProxyAgent("user", human_input_mode="NEVER", code_execution_config=False)

    results = asyncio.run(a_initiate_chats([
        {"chat_id": 1, "sender": user, "recipient": slow, "message": "one", "max_turns": 1},
        {"chat_id": 2, "sender": user, "recipient": quick, "message": "two", "max_turns": 1},
        {"chat_id": 3, "sender": user, "recipient": judge, "message": "judge", "max_turns": 1, "prerequisites": [1, 2]},
    ]))

    assert isinstance(results, dict) and {k: r.summary for k, r in results.items()} == {
        1: "slow facts", 2: "quick facts", 3: "verdict"}
    assert results[3].chat_id == 3
    finished = [e.recipient for e in recorder.of("chat_finished")]
    assert finished == ["quick", "slow", "judge"]  # 1 and 2 ran side by side; 3 waited for both
    first = judge.chat_messages[user][0]["content"]
    assert first.startswith("judge\nContext: \n") and "slow facts" in first and "quick facts" in first


def test_a_initiate_chats_ids_must_be_complete_and_acyclic(llm) -> None:
    from components import a_initiate_chats

    a = AssistantAgent("a", llm_config=llm.llm_config("a"))
    user = UserProxyAgent("user", human_input_mode="NEVER", code_execution_config=False)
    with pytest.raises(ValueError, match="Each chat must have a unique id"):
        asyncio.run(a_initiate_chats([{"chat_id": 1, "sender": user, "recipient": a}, {"sender": user, "recipient": a}]))
    with pytest.raises(ValueError, match="form a cycle"):
        asyncio.run(user.a_initiate_chats([
            {"chat_id": 1, "recipient": a, "prerequisites": [2]}, {"chat_id": 2, "recipient": a, "prerequisites": [1]},
        ]))


def _span(timeline: list[tuple[str, str]], model: str) -> tuple[int, int]:
    """Where ``model``'s one request started and ended in the server's timeline."""
    return timeline.index(("start", model)), timeline.index(("end", model))


def test_async_nested_chats_run_side_by_side_by_prerequisites(llm, recorder) -> None:
    llm.script("critic_a", [say("Facts hold.", delay_s=1.0)])
    llm.script("critic_b", [say("Style is fine.", delay_s=1.0)])
    llm.script("judge", ["Publish it."])
    llm.respond("writer", lambda body: say("Draft"))
    writer = AssistantAgent("writer", llm_config=llm.llm_config("writer"))
    critic_a = AssistantAgent("critic_a", llm_config=llm.llm_config("critic_a"))
    critic_b = AssistantAgent("critic_b", llm_config=llm.llm_config("critic_b"))
    judge = AssistantAgent("judge", llm_config=llm.llm_config("judge"))
    reviewer = UserProxyAgent("reviewer", human_input_mode="NEVER", code_execution_config=False)
    reviewer.register_nested_chats([
        {"chat_id": 1, "recipient": critic_a, "max_turns": 1},  # starts from the message received
        {"chat_id": 2, "recipient": critic_b, "message": "Check the style.", "max_turns": 1},
        {"chat_id": 3, "recipient": judge, "message": "Decide.", "max_turns": 1, "prerequisites": [1, 2]},
    ], trigger=writer, use_async=True)

    result = asyncio.run(writer.a_initiate_chat(reviewer, message="Review: the text", max_turns=1))

    assert result.chat_history[-1]["content"] == "Publish it."  # the last chat's summary is the reply
    a, b, verdict = (_span(llm.timeline, m) for m in ("critic_a", "critic_b", "judge"))
    assert max(a[0], b[0]) < min(a[1], b[1])  # both critics' calls were in flight at once
    assert verdict[0] > max(a[1], b[1])  # the judge waited for its prerequisites
    assert critic_a.chat_messages[reviewer][0]["content"] == "Review: the text"
    first = judge.chat_messages[reviewer][0]["content"]
    assert first.startswith("Decide.\nContext: \n") and "Facts hold." in first and "Style is fine." in first


def test_nested_chats_without_a_message_are_left_out(llm, recorder) -> None:
    llm.script("critic", ["Looks good."])
    llm.respond("writer", lambda body: say("Draft"))
    writer = AssistantAgent("writer", llm_config=llm.llm_config("writer"))
    critic = AssistantAgent("critic", llm_config=llm.llm_config("critic"))
    other = AssistantAgent("other", llm_config=llm.llm_config("other"))
    reviewer = UserProxyAgent("reviewer", human_input_mode="NEVER", code_execution_config=False)
    # AutoGen runs only chats that have a message: the second one has none and is never started
    reviewer.register_nested_chats([{"recipient": critic, "max_turns": 1}, {"recipient": other, "max_turns": 1}],
                                   trigger=writer)

    result = writer.initiate_chat(reviewer, message="Review: text", max_turns=1)
    assert result.chat_history[-1]["content"] == "Looks good."
    assert llm.requests_for("other") == [] and other.chat_messages == {}


def test_a_subclass_can_replace_the_nested_chats_reply(llm, recorder) -> None:
    class Reviewer(UserProxyAgent):
        @staticmethod
        def _summary_from_nested_chats(chat_queue, recipient, messages, sender, config):  # type: ignore[no-untyped-def]
            return True, f"{len(chat_queue)} chat(s) skipped for {sender.name}"

        @staticmethod
        async def _a_summary_from_nested_chats(chat_queue, recipient, messages, sender, config):  # type: ignore[no-untyped-def]
            await asyncio.sleep(0)
            return True, f"async: {chat_queue[0]['chat_id']}"

    llm.respond("writer", lambda body: say("Draft"))
    writer = AssistantAgent("writer", llm_config=llm.llm_config("writer"))
    critic = AssistantAgent("critic", llm_config=llm.llm_config("critic"))
    sync_reviewer = Reviewer("sync_reviewer", human_input_mode="NEVER", code_execution_config=False)
    sync_reviewer.register_nested_chats([{"recipient": critic}], trigger=writer)
    async_reviewer = Reviewer("async_reviewer", human_input_mode="NEVER", code_execution_config=False)
    async_reviewer.register_nested_chats([{"recipient": critic, "chat_id": 9}], trigger=writer, use_async=True)

    assert writer.initiate_chat(sync_reviewer, message="x", max_turns=1).summary == "1 chat(s) skipped for writer"
    assert asyncio.run(writer.a_initiate_chat(async_reviewer, message="x", max_turns=1)).summary == "async: 9"
    assert llm.requests_for("critic") == []


def test_a_stop_ends_async_nested_chats_in_flight(llm, recorder) -> None:
    import threading

    from components import RunCancelled
    from components.llm.scripted import hang
    from tests.support.connections import established_to

    llm.script("critic_a", [hang(30)])
    llm.script("critic_b", [hang(30)])
    llm.respond("writer", lambda body: say("Draft"))
    writer = AssistantAgent("writer", llm_config=llm.llm_config("writer"))
    critic_a = AssistantAgent("critic_a", llm_config=llm.llm_config("critic_a"))
    critic_b = AssistantAgent("critic_b", llm_config=llm.llm_config("critic_b"))
    reviewer = UserProxyAgent("reviewer", human_input_mode="NEVER", code_execution_config=False)
    reviewer.register_nested_chats([
        {"chat_id": 1, "recipient": critic_a, "max_turns": 1},
        {"chat_id": 2, "recipient": critic_b, "message": "Check the style.", "max_turns": 1},
    ], trigger=writer, use_async=True)

    def stop_when_both_wait() -> None:
        while len([r for r in llm.timeline if r[0] == "start" and r[1].startswith("critic")]) < 2:
            threading.Event().wait(0.02)
        recorder.cancellation.cancel()

    threading.Thread(target=stop_when_both_wait, daemon=True).start()
    with pytest.raises(RunCancelled):
        asyncio.run(writer.a_initiate_chat(reviewer, message="Review: the text", max_turns=1))
    assert established_to(llm.port) == 0  # both critics' calls were ended, their connections shut
    assert ("end", "critic_a") not in llm.timeline and ("end", "critic_b") not in llm.timeline
