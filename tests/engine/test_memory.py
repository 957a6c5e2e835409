"""Conversation memory: context limits before each LLM call, and state saved to JSON and restored."""

from __future__ import annotations

import json

import pytest

from components import (
    AssistantAgent,
    MessageHistoryLimiter,
    MessageTokenLimiter,
    TransformMessages,
    UserProxyAgent,
    limit_context,
)
from components.llm.scripted import say


def _pair(llm):  # type: ignore[no-untyped-def]
    llm.respond("writer", lambda body: say(f"reply {len(body['messages'])}"))
    assistant = AssistantAgent("assistant", llm_config=llm.llm_config("writer"), system_message="Be brief.")
    user = UserProxyAgent("user", human_input_mode="NEVER", code_execution_config=False, default_auto_reply="more")
    return assistant, user


def test_history_limit_keeps_last_messages_but_full_history_is_stored(llm, recorder) -> None:
    assistant, user = _pair(llm)
    limit_context(assistant, max_messages=3)

    result = user.initiate_chat(assistant, message="start", max_turns=5)

    for request in llm.requests_for("writer"):
        assert request["messages"][0] == {"role": "system", "content": "Be brief."}
        assert len(request["messages"]) <= 4  # system + at most 3
    assert len(result.chat_history) == 10  # nothing is forgotten in the stored history
    assert llm.requests_for("writer")[-1]["messages"][-1]["content"] == "more"


def test_token_limit_fits_budget_counted_by_litellm(llm, recorder) -> None:
    assistant, user = _pair(llm)
    limiter = MessageTokenLimiter(max_tokens=30, model="gpt-4o")
    TransformMessages([limiter]).add_to_agent(assistant)
    long_text = "word " * 25

    user.initiate_chat(assistant, message=long_text, max_turns=3)

    for request in llm.requests_for("writer"):
        history = request["messages"][1:]
        assert sum(limiter.count(m["content"]) for m in history) <= 30 or len(history) == 1
    last = llm.requests_for("writer")[-1]["messages"]
    assert all(m["content"] != long_text.strip() and m["content"] != long_text for m in last[1:])


def test_limits_never_orphan_tool_results() -> None:
    history = [
        {"role": "user", "content": "q"},
        {"role": "assistant", "content": None, "tool_calls": [{"id": "1"}]},
        {"role": "tool", "content": "r", "tool_responses": []},
        {"role": "user", "content": "next"},
    ]
    assert MessageHistoryLimiter(max_messages=2).apply_transform(history) == [history[3]]
    with pytest.raises(ValueError, match="max_messages must be None or an int >= 1"):
        MessageHistoryLimiter(max_messages=0)


def test_state_saved_to_json_and_restored_continues_conversation(llm, recorder, tmp_path) -> None:
    assistant, user = _pair(llm)
    user.initiate_chat(assistant, message="remember 7", max_turns=2)
    path = tmp_path / "user_state.json"
    user.save_state(path)
    assistant_state = assistant.save_state()
    saved = json.loads(path.read_text())
    assert [m["content"] for m in saved["chat_messages"]["assistant"]][0] == "remember 7"

    # a fresh process would build new agents from the same design, then restore their memory
    new_assistant, new_user = _pair(llm)
    new_user.load_state(path, peers=[new_assistant])
    new_assistant.load_state(assistant_state, peers=[new_user])
    result = new_user.initiate_chat(new_assistant, message="what number?", clear_history=False, max_turns=1)

    contents = [m["content"] for m in result.chat_history]
    assert contents[0] == "remember 7" and contents[-2] == "what number?"
    sent = llm.requests_for("writer")[-1]["messages"]
    assert any(m["content"] == "remember 7" for m in sent)


def test_restoring_bad_state_is_explained(tmp_path) -> None:
    user = UserProxyAgent("user", code_execution_config=False)
    broken = tmp_path / "state.json"
    broken.write_text("{not json")
    with pytest.raises(ValueError, match="cannot read agent state from"):
        user.load_state(broken)
    with pytest.raises(ValueError, match="pass its peers \\['assistant'\\]"):
        user.load_state({"version": 1, "chat_messages": {"assistant": []}}, peers=[])
