"""Two-agent chats through a real scripted model server: turns, termination, limits, summaries, cost."""

from __future__ import annotations

import pytest

from components import AssistantAgent, ConversableAgent, UserProxyAgent
from components.llm.scripted import say


def _pair(llm, **assistant_kwargs):  # type: ignore[no-untyped-def]
    assistant = AssistantAgent("assistant", llm_config=llm.llm_config("writer"), **assistant_kwargs)
    user = UserProxyAgent("user", human_input_mode="NEVER", code_execution_config=False, default_auto_reply="go on")
    return assistant, user


def test_chat_runs_until_termination_message(llm, recorder) -> None:
    llm.script("writer", ["First answer.", "TERMINATE"])
    assistant, user = _pair(llm)

    result = user.initiate_chat(assistant, message="Tell me something.")

    contents = [m["content"] for m in result.chat_history]
    assert contents == ["Tell me something.", "First answer.", "go on", "TERMINATE"]
    assert [m["role"] for m in result.chat_history] == ["assistant", "user", "assistant", "user"]
    finished = recorder.of("chat_finished")[-1]
    assert "termination" in finished.reason
    # the model saw the system message first, then the conversation from its own point of view
    first_request = llm.requests_for("writer")[0]["messages"]
    assert first_request[0]["role"] == "system" and "TERMINATE" in first_request[0]["content"]
    assert first_request[1] == {"role": "user", "content": "Tell me something.", "name": "user"}


def test_max_turns_bounds_the_chat(llm, recorder) -> None:
    llm.script("writer", ["one", "two", "three"])
    assistant, user = _pair(llm)

    result = user.initiate_chat(assistant, message="count", max_turns=2)

    assert [m["content"] for m in result.chat_history] == ["count", "one", "go on", "two"]
    assert llm.remaining("writer") == 1
    assert recorder.of("chat_finished")[-1].reason == "max_turns (2) reached"


def test_max_consecutive_auto_reply_ends_chat(llm, recorder) -> None:
    llm.respond("writer", lambda body: say("more"))
    assistant, user = _pair(llm)
    user.update_max_consecutive_auto_reply(2)

    result = user.initiate_chat(assistant, message="start")

    # user auto-replies twice, then stops: start, more, go on, more, go on, more
    assert len(result.chat_history) == 6
    assert "maximum number of consecutive auto-replies" in recorder.of("chat_finished")[-1].reason


def test_summary_methods(llm, recorder) -> None:
    llm.script("writer", ["The answer is 42. TERMINATE", "Summary: 42."])
    assistant, _ = _pair(llm)
    user = UserProxyAgent(
        "user", human_input_mode="NEVER", code_execution_config=False,
        is_termination_msg=lambda m: "TERMINATE" in (m.get("content") or ""),
    )

    result = user.initiate_chat(assistant, message="question", summary_method="reflection_with_llm")

    assert result.summary == "Summary: 42."
    summary_request = llm.requests_for("writer")[-1]["messages"]
    assert summary_request[-1]["role"] == "system"
    assert summary_request[-1]["content"].startswith("Summarize the takeaway")

    llm.script("writer", ["Final words TERMINATE"])
    last = user.initiate_chat(assistant, message="again", summary_method="last_msg")
    assert last.summary == "Final words "

    llm.script("writer", ["y"])
    custom = user.initiate_chat(
        assistant, message="x", max_turns=1, summary_method=lambda sender, recipient, args: f"{sender.name}->{recipient.name}"
    )
    assert custom.summary == "user->assistant"


def test_cost_and_usage_reported(llm, recorder) -> None:
    llm.script("writer", ["alpha beta gamma", "TERMINATE"])
    _, user = _pair(llm)
    assistant = AssistantAgent("assistant", llm_config=llm.llm_config("writer", price=[1.0, 2.0]))

    result = user.initiate_chat(assistant, message="hi")

    usage = result.cost["usage_including_cached_inference"]
    model_usage = usage["openai/writer"]
    assert model_usage["completion_tokens"] == 4  # "alpha beta gamma" + "TERMINATE"
    assert model_usage["prompt_tokens"] > 0
    expected = (model_usage["prompt_tokens"] * 1.0 + model_usage["completion_tokens"] * 2.0) / 1000
    assert usage["total_cost"] == pytest.approx(expected)
    assert len(recorder.of("usage")) == 2


def test_clear_history_false_continues_conversation(llm, recorder) -> None:
    llm.script("writer", ["Hello Ada.", "TERMINATE", "You are Ada.", "TERMINATE"])
    assistant, user = _pair(llm)
    user.initiate_chat(assistant, message="My name is Ada.")
    result = user.initiate_chat(assistant, message="Who am I?", clear_history=False)

    contents = [m["content"] for m in result.chat_history]
    assert contents[0] == "My name is Ada." and "Who am I?" in contents
    third_request = llm.requests_for("writer")[2]["messages"]
    assert any(m.get("content") == "My name is Ada." for m in third_request)


def test_message_events_in_order(llm, recorder) -> None:
    llm.script("writer", ["Sure.", "TERMINATE"])
    assistant, user = _pair(llm)
    user.initiate_chat(assistant, message="Please help.")

    kinds = recorder.kinds
    assert kinds[0] == "chat_started" and kinds[-1] == "chat_finished"
    messages = recorder.of("message")
    assert [(m.sender, m.recipient, m.content) for m in messages] == [
        ("user", "assistant", "Please help."),
        ("assistant", "user", "Sure."),
        ("user", "assistant", "go on"),
        ("assistant", "user", "TERMINATE"),
    ]
    # usage of each reply is published before the reply itself is sent
    assert kinds.index("usage") < kinds.index("message", kinds.index("message") + 1)


def test_invalid_message_rejected_and_nothing_appended() -> None:
    a = ConversableAgent("a", llm_config=False)
    b = ConversableAgent("b", llm_config=False)
    with pytest.raises(ValueError, match="valid ChatCompletion message"):
        a.send({"role": "user"}, b)
    assert a.chat_messages[b] == []
