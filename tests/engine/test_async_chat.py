"""Async chats: a_initiate_chat and friends, async reply functions, tools and human input, cancellation.

Real parts: the scripted model server over litellm's HTTP path and real event loops (asyncio.run).
"""

from __future__ import annotations

import asyncio
import threading
from typing import Annotated

import pytest

from components import (
    AssistantAgent,
    ConversableAgent,
    GroupChat,
    GroupChatManager,
    RunCancelled,
    UserProxyAgent,
    a_initiate_chats,
    register_function,
)
from components.llm.scripted import say, tool_call


def _pair(llm, **user_kwargs):  # type: ignore[no-untyped-def]
    assistant = AssistantAgent("assistant", llm_config=llm.llm_config("writer"))
    options = {"human_input_mode": "NEVER", "code_execution_config": False, "default_auto_reply": "go on"}
    user = UserProxyAgent("user", **{**options, **user_kwargs})
    return assistant, user


def test_a_initiate_chat_gives_the_sync_result_and_leaves_the_loop_free(llm, recorder) -> None:
    llm.script("writer", [say("First answer.", delay_s=0.6), say("TERMINATE")])
    assistant, user = _pair(llm)

    async def main():  # type: ignore[no-untyped-def]
        ticks = 0

        async def ticker() -> None:
            nonlocal ticks
            while True:
                await asyncio.sleep(0.05)
                ticks += 1

        beat = asyncio.create_task(ticker())
        result = await user.a_initiate_chat(assistant, message="Tell me something.")
        beat.cancel()
        return result, ticks

    result, ticks = asyncio.run(main())

    assert [m["content"] for m in result.chat_history] == ["Tell me something.", "First answer.", "go on", "TERMINATE"]
    assert ticks >= 5  # the loop kept running while the model took 0.6 s to answer
    assert "termination" in recorder.of("chat_finished")[-1].reason
    assert [e.sender for e in recorder.of("message")] == ["user", "assistant", "user", "assistant"]


def test_async_reply_function_runs_on_the_callers_loop(llm, recorder) -> None:
    llm.script("writer", [say("TERMINATE")])
    assistant, user = _pair(llm)
    seen: dict[str, object] = {}

    async def remember(recipient, messages=None, sender=None, config=None):  # type: ignore[no-untyped-def]
        await asyncio.sleep(0)
        seen["loop"] = asyncio.get_running_loop()
        seen["thread"] = threading.current_thread()
        return True, f"async reply to: {messages[-1]['content']}"

    user.register_reply([ConversableAgent], remember)

    async def main():  # type: ignore[no-untyped-def]
        seen["caller_loop"] = asyncio.get_running_loop()
        return await assistant.a_initiate_chat(user, message="ping", max_turns=2)

    result = asyncio.run(main())

    assert result.chat_history[1]["content"] == "async reply to: ping"
    assert seen["loop"] is seen["caller_loop"] and seen["thread"] is threading.main_thread()
    # the same agent in a sync chat is refused with AutoGen's message, before anything is said
    with pytest.raises(RuntimeError, match=r"a_initiate_chat\(\).*remember"):
        assistant.initiate_chat(user, message="ping")


def test_async_reply_function_ignored_in_sync_chat_when_asked(llm, recorder) -> None:
    llm.script("writer", ["Hi.", "TERMINATE"])
    assistant, user = _pair(llm)

    async def only_async(recipient, messages=None, sender=None, config=None):  # type: ignore[no-untyped-def]
        return True, "from the async function"

    user.register_reply([ConversableAgent], only_async, ignore_async_in_sync_chat=True)

    sync_result = user.initiate_chat(assistant, message="hello")
    assert "from the async function" not in [m["content"] for m in sync_result.chat_history]

    llm.script("writer", ["Hi again.", "TERMINATE"])
    async_result = asyncio.run(user.a_initiate_chat(assistant, message="hello", max_turns=2))
    assert async_result.chat_history[2]["content"] == "from the async function"


async def lookup(city: Annotated[str, "a city name"]) -> str:
    """Find the weather in a city."""
    await asyncio.sleep(0.01)
    return f"sunny in {city} ({'loop' if asyncio.get_running_loop() else 'none'})"


@pytest.mark.parametrize("style", ["sync chat", "async chat"])
def test_async_tools_are_awaited(llm, recorder, style) -> None:
    llm.script("writer", [tool_call("lookup", {"city": "Seoul"}), say("TERMINATE")])
    assistant, user = _pair(llm)
    register_function(lookup, caller=assistant, executor=user)

    if style == "sync chat":
        result = user.initiate_chat(assistant, message="Weather?")
    else:
        result = asyncio.run(user.a_initiate_chat(assistant, message="Weather?"))

    assert result.chat_history[2]["content"] == "sunny in Seoul (loop)"
    assert recorder.of("tool_result")[0].ok


def test_sync_chat_started_inside_a_running_loop_still_awaits_async_tools(llm, recorder) -> None:
    llm.script("writer", [tool_call("lookup", {"city": "Busan"}), say("TERMINATE")])
    assistant, user = _pair(llm)
    register_function(lookup, caller=assistant, executor=user)

    async def main():  # type: ignore[no-untyped-def]
        return user.initiate_chat(assistant, message="Weather?")  # a blocking call made from async code

    assert asyncio.run(main()).chat_history[2]["content"] == "sunny in Busan (loop)"


def test_overridden_a_get_human_input_answers_in_an_async_chat(llm, recorder) -> None:
    llm.script("writer", ["Which colour?", "Blue it is. TERMINATE"])

    class WebUser(UserProxyAgent):
        def __init__(self, answers: asyncio.Queue[str]) -> None:
            super().__init__("web_user", human_input_mode="ALWAYS", code_execution_config=False)
            self.answers = answers
            self.prompts: list[str] = []

        async def a_get_human_input(self, prompt: str) -> str:
            self.prompts.append(prompt)
            return await self.answers.get()  # e.g. a websocket message

    async def main():  # type: ignore[no-untyped-def]
        answers: asyncio.Queue[str] = asyncio.Queue()
        user = WebUser(answers)
        assistant = AssistantAgent("assistant", llm_config=llm.llm_config("writer"))
        chat = asyncio.create_task(user.a_initiate_chat(assistant, message="Make a chart."))
        await answers.put("blue")
        await answers.put("exit")
        return await chat, user

    result, user = asyncio.run(main())

    assert [m["content"] for m in result.chat_history] == ["Make a chart.", "Which colour?", "blue", "Blue it is. TERMINATE"]
    assert len(user.prompts) == 2 and user.prompts[0].startswith("Replying as web_user.")


def test_an_async_input_function_answers_for_the_human(llm) -> None:
    llm.script("writer", ["Which colour?", "TERMINATE"])
    from components import EventBus, run_context

    async def answer(request) -> str:  # type: ignore[no-untyped-def]
        await asyncio.sleep(0)
        return "green"

    bus = EventBus()
    given: list[str] = []
    bus.subscribe(lambda e: given.append(e.text) if e.kind == "input_given" else None)
    assistant = AssistantAgent("assistant", llm_config=llm.llm_config("writer"))
    user = UserProxyAgent("user", human_input_mode="TERMINATE", code_execution_config=False,
                          max_consecutive_auto_reply=0)

    async def main():  # type: ignore[no-untyped-def]
        with run_context(bus=bus, input_fn=answer):
            return await user.a_initiate_chat(assistant, message="Make a chart.", max_turns=2)

    result = asyncio.run(main())
    assert result.chat_history[2]["content"] == "green" and given == ["green"]


def test_cancelling_the_awaiting_task_stops_the_chat_and_keeps_what_was_said(llm, recorder) -> None:
    llm.script("writer", [say("First thoughts."), say("never said", delay_s=30)])
    assistant, user = _pair(llm)

    async def main() -> None:
        chat = asyncio.create_task(user.a_initiate_chat(assistant, message="Think."))
        while not any(getattr(e, "content", None) == "go on" for e in recorder.of("message")):
            await asyncio.sleep(0.02)
        await asyncio.sleep(0.2)  # the second model call is under way
        chat.cancel()
        await chat

    with pytest.raises(asyncio.CancelledError):
        asyncio.run(main())

    said = [e.content for e in recorder.of("message")]
    assert said == ["Think.", "First thoughts.", "go on"]
    assert not recorder.of("chat_finished")  # it was stopped, not finished
    assert not recorder.cancellation.cancelled  # the caller's own token is untouched


def test_stopping_the_run_cancels_an_awaiting_async_reply(llm, recorder) -> None:
    llm.script("writer", ["Hello."])
    assistant, user = _pair(llm)
    started = threading.Event()

    async def waits_forever(recipient, messages=None, sender=None, config=None):  # type: ignore[no-untyped-def]
        started.set()
        await asyncio.sleep(60)
        return True, "too late"

    user.register_reply([ConversableAgent], waits_forever)
    threading.Thread(target=lambda: started.wait(10) and recorder.cancellation.cancel(), daemon=True).start()

    with pytest.raises(RunCancelled):
        asyncio.run(asyncio.wait_for(user.a_initiate_chat(assistant, message="hi"), timeout=10))
    assert [e.content for e in recorder.of("message")] == ["hi", "Hello."]


def test_async_group_chat_and_sequential_chats(llm, recorder) -> None:
    llm.script("planner", ["Plan: one step."])
    llm.script("summary", ["Context noted. TERMINATE"])
    planner = AssistantAgent("planner", llm_config=llm.llm_config("planner"))

    async def checker(recipient, messages=None, sender=None, config=None):  # type: ignore[no-untyped-def]
        await asyncio.sleep(0)
        return True, "Checked: looks right."

    reviewer = ConversableAgent("reviewer", llm_config=False, human_input_mode="NEVER")
    reviewer.register_reply([ConversableAgent, None], checker)
    user = UserProxyAgent("user", human_input_mode="NEVER", code_execution_config=False)
    group = GroupChat([user, planner, reviewer], messages=[], max_round=3, speaker_selection_method="round_robin")
    manager = GroupChatManager(group, llm_config=False)
    closer = AssistantAgent("closer", llm_config=llm.llm_config("summary"))

    results = asyncio.run(a_initiate_chats([
        {"sender": user, "recipient": manager, "message": "Plan it.", "summary_method": "last_msg"},
        {"sender": user, "recipient": closer, "message": "Wrap up.", "max_turns": 1},
    ]))

    assert [m["content"] for m in group.messages] == ["Plan it.", "Plan: one step.", "Checked: looks right."]
    assert "Checked: looks right." in results[0].summary
    wrap_up = llm.requests_for("summary")[0]["messages"][-1]["content"]
    assert wrap_up.startswith("Wrap up.") and "Checked: looks right." in wrap_up
