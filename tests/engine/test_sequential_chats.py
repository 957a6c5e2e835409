"""Sequential chats with carryover, and nested chats."""

from __future__ import annotations

from components import AssistantAgent, UserProxyAgent, initiate_chats


def test_carryover_passes_summaries_forward(llm, recorder) -> None:
    llm.script("researcher", ["Paris is the capital."])
    llm.script("writer", ["A poem about Paris."])
    researcher = AssistantAgent("researcher", llm_config=llm.llm_config("researcher"))
    writer = AssistantAgent("writer", llm_config=llm.llm_config("writer"))
    user = UserProxyAgent("user", human_input_mode="NEVER", code_execution_config=False)

    results = initiate_chats([
        {"sender": user, "recipient": researcher, "message": "Capital of France?", "max_turns": 1},
        {"sender": user, "recipient": writer, "message": "Write a poem.", "max_turns": 1, "carryover": "Keep it short."},
    ])

    assert [r.summary for r in results] == ["Paris is the capital.", "A poem about Paris."]
    first = writer.chat_messages[user][0]["content"]
    assert first == "Write a poem.\nContext: \nKeep it short.\nParis is the capital."
    assert len(recorder.of("chat_started")) == 2


def test_excluded_chats_do_not_carry_over(llm, recorder) -> None:
    llm.script("a1", ["first summary"])
    llm.script("b2", ["second"])
    a = AssistantAgent("a1", llm_config=llm.llm_config("a1"))
    b = AssistantAgent("b2", llm_config=llm.llm_config("b2"))
    user = UserProxyAgent("user", human_input_mode="NEVER", code_execution_config=False)
    user.initiate_chats([
        {"recipient": a, "message": "one", "max_turns": 1},
        {"recipient": b, "message": "two", "max_turns": 1, "finished_chat_indexes_to_exclude_from_carryover": [0]},
    ])
    assert b.chat_messages[user][0]["content"] == "two"


def test_nested_chat_answers_with_inner_summary(llm, recorder) -> None:
    llm.script("critic", ["Looks good, ship it."])
    critic = AssistantAgent("critic", llm_config=llm.llm_config("critic"))
    writer = AssistantAgent("writer", llm_config=llm.llm_config("writer"))
    reviewer = UserProxyAgent("reviewer", human_input_mode="NEVER", code_execution_config=False)
    reviewer.register_nested_chats([{"recipient": critic, "max_turns": 1}], trigger=writer)

    result = writer.initiate_chat(reviewer, message="Please review: Draft text", max_turns=1)

    assert result.chat_history[-1]["content"] == "Looks good, ship it."
    assert critic.chat_messages[reviewer][0]["content"] == "Please review: Draft text"
    assert llm.requests_for("writer") == []
