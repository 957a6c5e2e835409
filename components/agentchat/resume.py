"""Resuming a group chat from its stored messages (AutoGen's ``GroupChatManager.resume``).

    last_agent, last_message = manager.resume(messages)   # a list, or the JSON of messages_to_string
    last_agent.initiate_chat(manager, message=last_message, clear_history=False)

Every message but the last goes back into the group's and the agents' histories; the last one is
returned, not stored, because it is the one the resumed chat answers (sending it stores it once).
A message without ``name`` (a system message, or a ChatResult's history) is the manager's.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from components.coding.extract import message_text

if TYPE_CHECKING:
    from components.agentchat.conversable import ConversableAgent
    from components.agentchat.manager import GroupChatManager


def messages_to_string(messages: list[dict[str, Any]]) -> str:
    """The messages as JSON, to store and later pass to ``resume``."""
    return json.dumps(messages)


def messages_from_string(message_string: str) -> list[dict[str, Any]]:
    try:
        messages = json.loads(message_string)
    except json.JSONDecodeError as exc:
        raise ValueError(f"Messages string is not a valid JSON string: {exc}") from exc
    if not isinstance(messages, list) or not all(isinstance(m, dict) for m in messages):
        raise ValueError("Messages string must hold a JSON list of message objects")
    return messages


def resume(
    self: GroupChatManager,
    messages: list[dict[str, Any]] | str,
    remove_termination_string: str | Callable[[str], str] | None = None,
    silent: bool = False,
    *,
    include_last: bool = False,
) -> tuple[ConversableAgent, dict[str, Any]]:
    """Load a stored group conversation; returns (who spoke last, the last message).

    ``include_last=True`` (Roundtable's addition) stores the last message too, for a host that
    continues the conversation with a new message instead of the last one.
    """
    if isinstance(messages, str):
        messages = messages_from_string(messages)
    elif isinstance(messages, list) and all(isinstance(m, dict) for m in messages):
        messages = copy.deepcopy(messages)
    else:
        raise ValueError("resume needs a list of message dicts or the JSON string of one")
    if not messages:
        raise ValueError(
            "Cannot resume group chat as no messages were provided. Use initiate_chat to start a new chat."
        )
    groupchat = self.groupchat
    known = {groupchat.admin_name, self.name}
    for message in messages:
        name = message.get("name")
        if name and groupchat.agent_by_name(name) is None and name not in known:
            raise ValueError(f"Agent name in message doesn't exist as agent in group chat: {name}")
    for agent in groupchat.agents:
        agent.clear_history()
    self.clear_history()
    groupchat.reset()
    if remove_termination_string:
        _strip_termination(messages[-1], remove_termination_string)
    stored = messages if include_last else messages[:-1]
    for message in stored:
        message.setdefault("name", self.name)
        speaker = groupchat.agent_by_name(message["name"]) or self
        for agent in groupchat.agents:
            if agent is speaker:
                agent._append_oai_message(message, "assistant", self, is_sending=True)
                self._append_oai_message(message, "user", agent, is_sending=False)
            else:
                self._append_oai_message(message, "assistant", agent, is_sending=True)
                agent._append_oai_message(message, "user", self, is_sending=False)
        groupchat.append(message, speaker)
    last = messages[-1]
    last.setdefault("name", self.name)
    last_speaker = groupchat.agent_by_name(last["name"]) or self
    self._last_speaker = last_speaker
    groupchat.send_introductions = False  # the group has met already
    return last_speaker, last


def _strip_termination(message: dict[str, Any], remove: str | Callable[[str], str]) -> None:
    if not message.get("content"):
        return
    text = message_text(message["content"])
    message["content"] = text.replace(remove, "") if isinstance(remove, str) else remove(text)
