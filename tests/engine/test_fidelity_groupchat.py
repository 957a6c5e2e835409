"""AutoGen fidelity (issue 16): group chats: clear history, auto selection, resume, templates, helpers."""

from __future__ import annotations

import pytest

from components import (
    AssistantAgent,
    GroupChat,
    GroupChatManager,
    UndefinedNextAgentError,
    UserProxyAgent,
)
from components.llm.scripted import say


def _echoing(llm, name: str) -> AssistantAgent:  # type: ignore[no-untyped-def]
    llm.respond(name, lambda body, name=name: say(f"{name} speaking"))
    return AssistantAgent(name, llm_config=llm.llm_config(name), description=f"The {name} of the team.")


def test_clear_history_command_clears_and_is_removed_from_the_text(llm, recorder) -> None:
    helper = _echoing(llm, "helper")
    human = UserProxyAgent("human", human_input_mode="ALWAYS", code_execution_config=False)
    recorder.answers = ["clear history. How you doing?", "exit"]
    chat = GroupChat([human, helper], messages=[], max_round=4, speaker_selection_method="round_robin",
                     enable_clear_history=True)
    manager = GroupChatManager(chat)

    human.initiate_chat(manager, message="first task")

    texts = [m["content"] for m in chat.messages]
    assert "first task" not in texts and "helper speaking" in texts
    assert "How you doing?" in texts and not any("clear history" in t.lower() for t in texts)
    assert [m["content"] for m in helper.chat_messages[manager]][0] == "How you doing?"


def test_clear_history_for_one_agent_keeping_messages(llm, recorder) -> None:
    a, b = _echoing(llm, "alpha"), _echoing(llm, "beta")
    human = UserProxyAgent("human", human_input_mode="ALWAYS", code_execution_config=False)
    recorder.answers = ["clear history alpha 1 then go on", "exit"]
    chat = GroupChat([human, a, b], messages=[], max_round=5, speaker_selection_method="round_robin",
                     enable_clear_history=True)
    manager = GroupChatManager(chat)
    human.initiate_chat(manager, message="task")

    assert chat.messages[3]["content"] == "then go on"  # the command and its arguments are cut out
    assert "task" in [m["content"] for m in b.chat_messages[manager]]  # beta kept everything
    assert "task" not in [m["content"] for m in a.chat_messages[manager]]  # alpha kept only its last message


def test_auto_selection_without_an_llm_takes_turns_in_order_as_autogen_0_2(llm, recorder) -> None:
    """AutoGen 0.2: "the LLM client is None, thus no reply is generated. Use round robin instead." (AG2 0.14
    raises ValueError; the seed article's group chat relies on 0.2's behaviour.)"""
    a, b = _echoing(llm, "a1"), _echoing(llm, "b2")
    user = UserProxyAgent("user", human_input_mode="NEVER", code_execution_config=False)
    chat = GroupChat([user, a, b], messages=[], max_round=3)
    user.initiate_chat(GroupChatManager(chat), message="hi")
    assert [m["name"] for m in chat.messages] == ["user", "a1", "b2"]
    chosen = recorder.of("speaker_selected")
    assert [(e.speaker, e.method) for e in chosen] == [("a1", "auto"), ("b2", "auto")]
    assert "has no LLM to choose with: next in order" in chosen[0].reason


def test_select_speaker_auto_llm_config_picks_without_a_manager_llm(llm, recorder) -> None:
    a, b = _echoing(llm, "a1"), _echoing(llm, "b2")
    user = UserProxyAgent("user", human_input_mode="NEVER", code_execution_config=False)
    llm.script("picker", ["b2"])
    chat = GroupChat([user, a, b], messages=[], max_round=2, select_speaker_auto_llm_config=llm.llm_config("picker"))
    user.initiate_chat(GroupChatManager(chat), message="hi")
    assert [m["name"] for m in chat.messages] == ["user", "b2"]
    assert len(llm.requests_for("picker")) == 1


def test_empty_or_none_prompt_template_sends_no_closing_prompt(llm, recorder) -> None:
    a, b = _echoing(llm, "a1"), _echoing(llm, "b2")
    user = UserProxyAgent("user", human_input_mode="NEVER", code_execution_config=False)
    for template in ("", None):
        llm.script("sel", ["a1"])
        chat = GroupChat([user, a, b], messages=[], max_round=2, select_speaker_prompt_template=template)
        assert chat.select_speaker_prompt() is None
        user.initiate_chat(GroupChatManager(chat, llm_config=llm.llm_config("sel")), message="hi")
        sent = llm.requests_for("sel")[-1]["messages"]
        assert sent[-1] == {"role": "user", "content": "hi", "name": "user"}  # the conversation ends the request


def test_custom_retry_templates_are_used(llm, recorder) -> None:
    a, b = _echoing(llm, "a1"), _echoing(llm, "b2")
    user = UserProxyAgent("user", human_input_mode="NEVER", code_execution_config=False)
    llm.script("sel", ["a1 b2", "nobody", "b2"])
    chat = GroupChat([user, a, b], messages=[], max_round=2,
                     select_speaker_auto_multiple_template="ONE of {agentlist} please",
                     select_speaker_auto_none_template="NAME one of {agentlist}")
    user.initiate_chat(GroupChatManager(chat, llm_config=llm.llm_config("sel")), message="hi")
    requests = llm.requests_for("sel")
    assert requests[1]["messages"][-1]["content"] == "ONE of ['user', 'a1', 'b2'] please"
    assert requests[2]["messages"][-1]["content"] == "NAME one of ['user', 'a1', 'b2']"


def test_resume_holds_back_the_last_message_and_accepts_nameless_ones(llm, recorder) -> None:
    a, b = _echoing(llm, "a1"), _echoing(llm, "b2")
    user = UserProxyAgent("user", human_input_mode="NEVER", code_execution_config=False, default_auto_reply="more")
    chat = GroupChat([user, a, b], messages=[], max_round=3, speaker_selection_method="round_robin")
    manager = GroupChatManager(chat)
    stored = [
        {"role": "system", "content": "The team works on a poem."},  # no name: the manager's
        {"role": "user", "content": "Write a poem", "name": "user"},
        {"role": "user", "content": "a1 drafted it", "name": "a1"},
    ]

    last_agent, last_message = manager.resume(manager.messages_to_string(stored))

    assert last_agent is a and last_message["content"] == "a1 drafted it"
    assert [m["content"] for m in chat.messages] == ["The team works on a poem.", "Write a poem"]
    assert [m["name"] for m in chat.messages] == ["chat_manager", "user"]
    assert [m["content"] for m in b.chat_messages[manager]] == ["The team works on a poem.", "Write a poem"]

    last_agent.initiate_chat(manager, message=last_message, clear_history=False)
    assert [m["content"] for m in chat.messages][2:] == ["a1 drafted it", "b2 speaking", "more"]
    assert [m["content"] for m in chat.messages].count("a1 drafted it") == 1


def test_resume_refuses_strangers_and_bad_json(llm) -> None:
    a = _echoing(llm, "a1")
    user = UserProxyAgent("user", human_input_mode="NEVER", code_execution_config=False)
    manager = GroupChatManager(GroupChat([user, a], messages=[]))
    with pytest.raises(ValueError, match="doesn't exist as agent in group chat: zed"):
        manager.resume([{"content": "hi", "name": "zed"}])
    with pytest.raises(ValueError, match="not a valid JSON"):
        manager.messages_from_string("{nope")


def test_group_helpers_autogen_code_uses(llm, recorder) -> None:
    a, b = _echoing(llm, "a1"), _echoing(llm, "b2")
    inner_user = UserProxyAgent("inner_user", human_input_mode="NEVER", code_execution_config=False)
    inner = GroupChatManager(GroupChat([inner_user, b], messages=[]), name="inner_team")
    user = UserProxyAgent("user", human_input_mode="NEVER", code_execution_config=False)
    chat = GroupChat([user, a, inner], messages=[])

    assert chat.agent_by_name("b2") is None and chat.agent_by_name("b2", recursive=True) is b
    assert chat.introductions_msg(agents=[a]).endswith("\n\na1: The a1 of the team.")
    with pytest.raises(UndefinedNextAgentError):
        chat.next_agent(user, [b])
    recorder.answers = ["2"]
    assert chat.manual_select_speaker([user, a]) is a
    assert recorder.of("input_requested")[-1].agent == "Admin"


def test_a_selection_function_naming_a_stranger_is_refused(llm, recorder) -> None:
    a = _echoing(llm, "a1")
    stranger = _echoing(llm, "stranger")
    user = UserProxyAgent("user", human_input_mode="NEVER", code_execution_config=False)
    chat = GroupChat([user, a], messages=[], max_round=3, speaker_selection_method=lambda last, gc: stranger)
    with pytest.raises(ValueError, match="returned an agent stranger not in the group chat"):
        user.initiate_chat(GroupChatManager(chat), message="hi")


def test_selector_messages_can_be_transformed_and_answers_shown(llm, recorder) -> None:
    from components import MessageHistoryLimiter, TransformMessages

    a, b = _echoing(llm, "a1"), _echoing(llm, "b2")
    user = UserProxyAgent("user", human_input_mode="NEVER", code_execution_config=False, default_auto_reply="more")
    llm.script("sel", ["b2", "a1"])
    chat = GroupChat([user, a, b], messages=[], max_round=3, speaker_selection_method="auto",
                     select_speaker_transform_messages=TransformMessages([MessageHistoryLimiter(max_messages=1)]),
                     select_speaker_auto_verbose=True, allow_repeat_speaker=[user, a])
    user.initiate_chat(GroupChatManager(chat, llm_config=llm.llm_config("sel")), message="hi")
    second = llm.requests_for("sel")[1]["messages"]
    assert [m["content"] for m in second[1:-1]] == ["b2 speaking"]  # only the last group message
    assert "speaker selection answer 1: 'b2'" in [n.message for n in recorder.of("notice")]
