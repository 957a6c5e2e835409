"""GroupChatManager: runs a group chat: broadcasts each message, picks the next speaker, stops on time."""

from __future__ import annotations

import sys
from typing import Any

from components.agentchat.conversable import Agent, ConversableAgent
from components.agentchat.groupchat import GroupChat
from components.agentchat.speaker_selection import select_speaker
from components.errors import NoEligibleSpeaker


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
                self.stop_reason = f"termination message from {speaker.name}"
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
            if groupchat.enable_clear_history and isinstance(reply, dict) and "CLEAR HISTORY" in str(reply.get("content", "")).upper():
                self.clear_agents_history(groupchat)
            speaker.send(reply, self, request_reply=False, silent=self._silent)
            message = self.last_message(speaker)
        return True, None

    def clear_agents_history(self, groupchat: GroupChat) -> None:
        groupchat.reset()
        for agent in groupchat.agents:
            agent.clear_history()
        self.clear_history()

    def resume(self, messages: list[dict[str, Any]]) -> tuple[ConversableAgent, dict[str, Any]]:
        """Load a previous group conversation (each message with the speaker's ``name``), so a new
        ``initiate_chat(manager, message=..., clear_history=False)`` continues it."""
        if not messages:
            raise ValueError("resume needs at least one message")
        self._groupchat.reset()
        for agent in self._groupchat.agents:
            agent.clear_history(self)
        self.clear_history()
        for message in messages:
            speaker = self._groupchat.agent_by_name(message.get("name", ""))
            if speaker is None:
                raise ValueError(f"resume: message from {message.get('name')!r}, who is not in the group chat")
            self._groupchat.append(message, speaker)
            self._append_oai_message(message, "user", speaker, is_sending=False)
            speaker._append_oai_message({**message, "role": "assistant"}, "assistant", self, is_sending=True)
            for agent in self._groupchat.agents:
                if agent is not speaker:
                    agent._append_oai_message(message, "user", self, is_sending=False)
        last = messages[-1]
        last_speaker = self._groupchat.agent_by_name(last["name"])
        assert last_speaker is not None
        self._last_speaker = last_speaker
        return last_speaker, last
