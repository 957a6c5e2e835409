"""The LLM reply: system message + history to the model, the answer (text or tool calls) back."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from components.llm.client import LLMClient

if TYPE_CHECKING:
    from components.agentchat.conversable import Agent, ConversableAgent


def generate_oai_reply(
    self: ConversableAgent,
    messages: list[dict[str, Any]] | None = None,
    sender: Agent | None = None,
    config: LLMClient | None = None,
) -> tuple[bool, str | dict[str, Any] | None]:
    client = config if isinstance(config, LLMClient) else self.client
    if client is None:
        return False, None
    if messages is None:
        messages = self._oai_messages[sender]
    reply = ask_model(self, client, self._oai_system_message + list(messages))
    return (False, None) if reply is None else (True, reply)


def ask_model(
    agent: ConversableAgent, client: LLMClient, messages: list[dict[str, Any]], purpose: str = "reply"
) -> str | dict[str, Any] | None:
    """One model call on behalf of ``agent``; its usage is added to the agent's ledger."""
    response = client.create(messages, agent=agent.name, purpose=purpose)
    agent.usage.record(response.model, response.prompt_tokens, response.completion_tokens, response.cost)
    message = response.message
    if message.get("tool_calls"):
        return {"role": "assistant", "content": message.get("content"), "tool_calls": message["tool_calls"]}
    return message.get("content")
