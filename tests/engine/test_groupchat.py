"""Group chats: every speaker selection mode, transitions, limits and termination, over real HTTP."""

from __future__ import annotations

from itertools import pairwise

import pytest

from components import AssistantAgent, GroupChat, GroupChatManager, UserProxyAgent
from components.llm.scripted import say


def _echoing(llm, name: str) -> AssistantAgent:  # type: ignore[no-untyped-def]
    """An assistant whose model always answers '<name> speaking'."""
    llm.respond(name, lambda body, name=name: say(f"{name} speaking"))
    return AssistantAgent(name, llm_config=llm.llm_config(name), description=f"The {name} of the team.")


def _user() -> UserProxyAgent:
    return UserProxyAgent("user", human_input_mode="NEVER", code_execution_config=False, default_auto_reply="continue")


def _speakers(result) -> list[str]:  # type: ignore[no-untyped-def]
    return [m["name"] for m in result]


def test_round_robin_with_max_round(llm, recorder) -> None:
    planner, coder, reviewer = (_echoing(llm, n) for n in ("planner", "coder", "reviewer"))
    user = _user()
    chat = GroupChat([user, planner, coder, reviewer], messages=[], max_round=6, speaker_selection_method="round_robin")
    manager = GroupChatManager(chat)

    user.initiate_chat(manager, message="Build a thing")

    assert _speakers(chat.messages) == ["user", "planner", "coder", "reviewer", "user", "planner"]
    assert chat.messages[1]["content"] == "planner speaking"
    selected = recorder.of("speaker_selected")
    assert [s.speaker for s in selected] == ["planner", "coder", "reviewer", "user", "planner"]
    assert {s.method for s in selected} == {"round_robin"}
    assert recorder.of("chat_finished")[-1].reason == "max_round (6) reached"
    # every member heard every message
    assert len(coder.chat_messages[manager]) == 6


def test_auto_selection_by_llm_with_retry_and_fallback(llm, recorder) -> None:
    planner, coder = _echoing(llm, "planner"), _echoing(llm, "coder")
    user = _user()
    llm.script("selector", [
        "coder",                        # a clean pick
        "planner or coder, not sure",   # two names: re-asked
        "I pick planner",               # then one
        "nobody", "still nobody", "no",  # never a name: fallback after 3 tries
    ])
    chat = GroupChat([user, planner, coder], messages=[], max_round=4)
    manager = GroupChatManager(chat, llm_config=llm.llm_config("selector"))

    user.initiate_chat(manager, message="Task")

    assert _speakers(chat.messages) == ["user", "coder", "planner", "coder"]  # fallback: next after planner
    reasons = [s.reason for s in recorder.of("speaker_selected")]
    assert reasons[0] == "picked by the LLM"
    assert reasons[1] == "picked by the LLM after 1 retries"
    assert reasons[2].startswith("fallback: the LLM did not name one agent in 3 tries")
    first = llm.requests_for("selector")[0]["messages"]
    assert first[0]["role"] == "system" and "planner: The planner of the team." in first[0]["content"]
    assert first[-1]["content"].startswith("Read the above conversation. Then select the next role from")
    retry = llm.requests_for("selector")[2]["messages"]
    assert retry[-1]["content"].startswith("You named more than one role")
    assert [u.purpose for u in recorder.of("usage")].count("speaker_selection") == 6


def test_auto_with_one_candidate_needs_no_llm(llm, recorder) -> None:
    """Without an LLM "auto" is an error (test_fidelity_groupchat), unless only one agent may speak."""
    assistant = _echoing(llm, "assistant")
    user = _user()
    chat = GroupChat([assistant, user], messages=[], max_round=3, allow_repeat_speaker=False)
    user.initiate_chat(GroupChatManager(chat), message="hi")

    assert _speakers(chat.messages) == ["user", "assistant", "user"]
    assert {s.reason for s in recorder.of("speaker_selected")} == {"the only eligible speaker"}


def test_termination_message_ends_group_chat(llm, recorder) -> None:
    llm.script("closer", ["TERMINATE"])
    closer = AssistantAgent("closer", llm_config=llm.llm_config("closer"))
    user = _user()
    chat = GroupChat([user, closer], messages=[], max_round=10, speaker_selection_method="round_robin")
    result = user.initiate_chat(GroupChatManager(chat), message="finish")

    assert _speakers(chat.messages) == ["user", "closer"]
    assert recorder.of("chat_finished")[-1].reason == "termination message from closer"
    assert result.summary == ""  # last message was exactly TERMINATE


def test_manual_selection_asks_the_human(llm, recorder) -> None:
    a, b = _echoing(llm, "alpha"), _echoing(llm, "beta")
    user = _user()
    recorder.answers = ["3", "q"]
    chat = GroupChat([user, a, b], messages=[], max_round=3, speaker_selection_method="manual")
    user.initiate_chat(GroupChatManager(chat), message="go")

    assert _speakers(chat.messages) == ["user", "beta", "user"]
    assert "1: user\n2: alpha\n3: beta" in recorder.prompts[0]
    assert [s.reason for s in recorder.of("speaker_selected")] == ["chosen by a human", "fallback: no valid choice, next in order"]


def test_random_and_callable_selection(llm, recorder) -> None:
    a, b, c = (_echoing(llm, n) for n in ("a1", "b2", "c3"))
    user = _user()
    chat = GroupChat([user, a, b, c], messages=[], max_round=8, speaker_selection_method="random", random_seed=7)
    user.initiate_chat(GroupChatManager(chat), message="go")
    speakers = _speakers(chat.messages)
    assert len(speakers) == 8 and set(speakers) <= {"user", "a1", "b2", "c3"}
    assert len(set(speakers[1:])) > 1

    def pick(last, groupchat):  # type: ignore[no-untyped-def]
        if len(groupchat.messages) >= 3:
            return None  # ends the chat
        return c if last is user else user

    chat2 = GroupChat([user, a, b, c], messages=[], max_round=10, speaker_selection_method=pick)
    user.initiate_chat(GroupChatManager(chat2), message="go")
    assert _speakers(chat2.messages) == ["user", "c3", "user"]
    assert recorder.of("chat_finished")[-1].reason.startswith("no eligible speaker")


def test_allowed_transitions_constrain_speakers(llm, recorder) -> None:
    planner, coder, reviewer = (_echoing(llm, n) for n in ("planner", "coder", "reviewer"))
    user = _user()
    graph = {user: [planner], planner: [coder], coder: [reviewer], reviewer: [planner]}
    chat = GroupChat(
        [user, planner, coder, reviewer], messages=[], max_round=7, speaker_selection_method="random",
        allowed_or_disallowed_speaker_transitions=graph, speaker_transitions_type="allowed",
    )
    user.initiate_chat(GroupChatManager(chat), message="go")
    assert _speakers(chat.messages) == ["user", "planner", "coder", "reviewer", "planner", "coder", "reviewer"]
    assert {s.reason for s in recorder.of("speaker_selected")} == {"the only eligible speaker"}


def test_disallowed_transitions_and_no_repeat(llm, recorder) -> None:
    a, b = _echoing(llm, "a1"), _echoing(llm, "b2")
    user = _user()
    chat = GroupChat(
        [user, a, b], messages=[], max_round=5, speaker_selection_method="round_robin",
        allowed_or_disallowed_speaker_transitions={user: [a]}, speaker_transitions_type="disallowed",
    )
    user.initiate_chat(GroupChatManager(chat), message="go")
    assert _speakers(chat.messages)[1] == "b2"  # user may not hand over to a1

    chat2 = GroupChat([user, a], messages=[], max_round=4, speaker_selection_method="random", allow_repeat_speaker=False)
    user.initiate_chat(GroupChatManager(chat2), message="go")
    speakers = _speakers(chat2.messages)
    assert all(x != y for x, y in pairwise(speakers))


def test_send_introductions(llm, recorder) -> None:
    a = _echoing(llm, "a1")
    user = _user()
    chat = GroupChat([user, a], messages=[], max_round=2, speaker_selection_method="round_robin", send_introductions=True)
    manager = GroupChatManager(chat)
    user.initiate_chat(manager, message="go")
    first_seen = a.chat_messages[manager][0]["content"]
    assert "a1: The a1 of the team." in first_seen and "user:" in first_seen


@pytest.mark.parametrize(
    "kwargs, fragment",
    [
        ({"speaker_selection_method": "loudest"}, "It should be one of"),
        ({"allow_repeat_speaker": True, "allowed_or_disallowed_speaker_transitions": {}, "speaker_transitions_type": "allowed"}, "Don't provide both"),
        ({"allowed_or_disallowed_speaker_transitions": {}, "speaker_transitions_type": None}, "speaker_transitions_type must be"),
        ({"select_speaker_message_template": ""}, "cannot be empty or None"),
        ({"max_retries_for_selecting_speaker": -1}, "must be an int >= 0"),
        ({"max_round": 0}, "max_round must be a positive int"),
    ],
)
def test_invalid_group_configs(kwargs, fragment) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValueError) as info:
        GroupChat([_user(), UserProxyAgent("other", code_execution_config=False)], **kwargs)
    assert fragment in str(info.value)


def test_group_of_one_is_refused(llm, recorder) -> None:
    user = _user()
    chat = GroupChat([user], messages=[], max_round=3)
    with pytest.raises(ValueError, match="GroupChat is underpopulated with 1 agents"):
        user.initiate_chat(GroupChatManager(chat), message="alone")
