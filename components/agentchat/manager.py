"""GroupChatManager: runs a group chat: broadcasts each message, picks the next speaker, stops on time."""

from __future__ import annotations

import sys
from typing import Any

from components import runtime
from components.agentchat import resume as group_resume
from components.agentchat.conversable import Agent, ConversableAgent
from components.agentchat.groupchat import GroupChat
from components.agentchat.speaker_selection import select_speaker
from components.coding.extract import message_text
from components.errors import NoEligibleSpeaker
from components.events import Notice


class GroupChatManager(ConversableAgent):
    def __init__(
        self,
        groupchat: GroupChat,
        name: str = "chat_manager",
        max_consecutive_auto_reply: int | None = sys.maxsize,
        human_input_mode: str = "NEVER",
        system_message: str | list | None = "Group chat manager.",
        silent: bool = False,
        **kwargs: Any,
    ) -> None:
        if not isinstance(groupchat, GroupChat):
            raise ValueError(f"groupchat must be a GroupChat, got {type(groupchat).__name__}")
        super().__init__(
            name=name,
            max_consecutive_auto_reply=max_consecutive_auto_reply,
            human_input_mode=human_input_mode,
            system_message=system_message,
            **kwargs,
        )
        self._groupchat = groupchat
        self._silent = silent
        self._last_speaker: Agent | None = None
        self.register_reply(Agent, GroupChatManager.run_chat, config=groupchat, reset_config=GroupChat.reset)

    @property
    def groupchat(self) -> GroupChat:
        return self._groupchat

    @property
    def last_speaker(self) -> Agent | None:
        return self._last_speaker

    def _prepare_chat(self, recipient: ConversableAgent, clear_history: bool, prepare_recipient: bool = True, reply_at_receive: bool = True) -> None:
        super()._prepare_chat(recipient, clear_history, prepare_recipient, reply_at_receive)
        if clear_history:
            self._groupchat.reset()
        for agent in self._groupchat.agents:
            if agent is not recipient or prepare_recipient:
                agent._prepare_chat(self, clear_history, False, reply_at_receive)

    def run_chat(
        self, messages: list[dict[str, Any]] | None = None, sender: Agent | None = None, config: GroupChat | None = None
    ) -> tuple[bool, None]:
        """The group chat loop (a reply function: it answers the initiator's message with the whole chat)."""
        groupchat = config or self._groupchat
        if messages is None:
            messages = self._oai_messages[sender]
        message = messages[-1]
        speaker = sender
        if groupchat.send_introductions:
            intro = groupchat.introductions_msg()
            for agent in groupchat.agents:
                self.send(intro, agent, request_reply=False, silent=True)
        for round_index in range(groupchat.max_round):
            self._last_speaker = speaker
            groupchat.append(message, speaker)
            for agent in groupchat.agents:
                if agent is not speaker:
                    self.send(message, agent, request_reply=False, silent=True)
            if self.is_termination_msg(message):
                self.stop_reason = self.termination_reason(
                    message, speaker.name, f"termination message from {speaker.name}"
                )
                break
            if round_index == groupchat.max_round - 1:
                self.stop_reason = f"max_round ({groupchat.max_round}) reached"
                break
            try:
                speaker, _ = select_speaker(groupchat, speaker, self, round_no=round_index + 1)
            except NoEligibleSpeaker as exc:
                self.stop_reason = f"no eligible speaker: {exc}"
                break
            reply = speaker.generate_reply(sender=self)
            if reply is None:
                self.stop_reason = speaker.stop_reason or f"{speaker.name} gave no reply"
                break
            if groupchat.enable_clear_history and isinstance(reply, dict) and reply.get("content"):
                text = message_text(reply["content"])
                if "CLEAR HISTORY" in text.upper():
                    reply = {**reply, "content": self.clear_agents_history({**reply, "content": text}, groupchat)}
            speaker.send(reply, self, request_reply=False, silent=self._silent)
            message = self.last_message(speaker)
        return True, None

    def clear_agents_history(self, reply: dict[str, Any], groupchat: GroupChat) -> str:
        """Obey a "clear history [agent] [n]" command in ``reply``; returns its text without the command.

        "clear history" empties every history; with an agent's name only that agent's; with a number
        the last n messages stay. A reply carrying tool responses keeps at least its tool call.
        """
        text = message_text(reply.get("content"))
        words = text.split()
        clear_at = next((i for i in reversed(range(len(words) - 1)) if words[i].upper() == "CLEAR"
                         and words[i + 1].upper().startswith("HISTORY")), None)
        if clear_at is None:
            return text
        keep: int | None = None
        target: Agent | None = None
        used = 2
        for word in words[clear_at + 2: clear_at + 4]:
            stripped = word[:-1] if word[-1:] in ".,;:!?" else word
            if stripped.isdigit() and keep is None:
                keep, used = int(stripped), used + 1
            elif target is None and groupchat.agent_by_name(stripped) is not None:
                target, used = groupchat.agent_by_name(stripped), used + 1
            else:
                break
        if reply.get("tool_responses") and not keep:
            keep = 1  # a tool response without its call would be refused by the provider
        runtime.emit(Notice(
            agent=self.name,
            message=f"History cleared for {target.name if target else 'everyone'}"
            + (f", keeping the last {keep} messages" if keep else "") + ".",
        ))
        if target is not None:
            target.clear_history(nr_messages_to_preserve=keep)
        else:
            kept = groupchat.messages[-keep:] if keep else []
            groupchat.messages[:] = kept
            for agent in groupchat.agents:
                agent.clear_history(nr_messages_to_preserve=keep)
        return " ".join(words[:clear_at] + words[clear_at + used:])

    # -- resuming a stored group conversation ------------------------------------------------------------
    resume = group_resume.resume
    messages_to_string = staticmethod(group_resume.messages_to_string)
    messages_from_string = staticmethod(group_resume.messages_from_string)
