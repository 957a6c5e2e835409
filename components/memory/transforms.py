"""Context limits applied before each reply: AutoGen's ``transform_messages`` capability.

    TransformMessages([MessageHistoryLimiter(max_messages=10), MessageTokenLimiter(max_tokens=2000)]).add_to_agent(agent)

Tokens are counted with litellm's token counter for the agent's model. A tool result is never kept
without the assistant message that asked for it (providers reject such a history).
"""

from __future__ import annotations

import copy
from typing import Any, Protocol

from components.coding.extract import content_str
from components.llm.litellm_loader import get_litellm


class MessageTransform(Protocol):
    def apply_transform(self, messages: list[dict[str, Any]]) -> list[dict[str, Any]]: ...


def _drop_orphan_tool_results(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    start = 0
    while start < len(messages) and messages[start].get("role") == "tool":
        start += 1
    return messages[start:]


class MessageHistoryLimiter:
    """Keep only the last ``max_messages`` messages (optionally the first one too)."""

    def __init__(self, max_messages: int, keep_first_message: bool = False) -> None:
        if not isinstance(max_messages, int) or max_messages < 1:
            raise ValueError(f"max_messages must be an int >= 1, got {max_messages!r}")
        self.max_messages = max_messages
        self.keep_first_message = keep_first_message

    def apply_transform(self, messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
        if len(messages) <= self.max_messages:
            return messages
        if self.keep_first_message and self.max_messages > 1:
            tail = _drop_orphan_tool_results(messages[-(self.max_messages - 1):])
            return [messages[0], *tail]
        return _drop_orphan_tool_results(messages[-self.max_messages:])


class MessageTokenLimiter:
    """Keep the most recent messages that fit in ``max_tokens``; cut any message past ``max_tokens_per_message``."""

    def __init__(self, max_tokens: int | None = None, max_tokens_per_message: int | None = None, model: str = "gpt-4o") -> None:
        for name, value in (("max_tokens", max_tokens), ("max_tokens_per_message", max_tokens_per_message)):
            if value is not None and (not isinstance(value, int) or value < 1):
                raise ValueError(f"{name} must be an int >= 1 or None, got {value!r}")
        self.max_tokens = max_tokens
        self.max_tokens_per_message = max_tokens_per_message
        self.model = model

    def count(self, text: str) -> int:
        return int(get_litellm().token_counter(model=self.model, text=text))

    def apply_transform(self, messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
        kept: list[dict[str, Any]] = []
        budget = self.max_tokens
        for message in reversed(messages):
            message = self._cut(message)
            tokens = self.count(content_str(message.get("content")))
            if budget is not None and tokens > budget and kept:  # the newest message always stays
                break
            kept.append(message)
            if budget is not None:
                budget -= tokens
        return _drop_orphan_tool_results(list(reversed(kept)))

    def _cut(self, message: dict[str, Any]) -> dict[str, Any]:
        content = message.get("content")
        if self.max_tokens_per_message is None or not isinstance(content, str):
            return message
        if self.count(content) <= self.max_tokens_per_message:
            return message
        litellm = get_litellm()
        tokens = litellm.encode(model=self.model, text=content)[: self.max_tokens_per_message]
        cut = copy.copy(message)
        cut["content"] = litellm.decode(model=self.model, tokens=tokens)
        return cut


class TransformMessages:
    """Attach transforms to an agent: they shape the history it answers from (its stored history stays whole)."""

    def __init__(self, transforms: list[MessageTransform]) -> None:
        self.transforms = list(transforms)

    def add_to_agent(self, agent: Any) -> None:
        agent.register_hook("process_all_messages_before_reply", self.apply)

    def apply(self, messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
        result = list(messages)
        for transform in self.transforms:
            result = transform.apply_transform(result)
        return result


def limit_context(agent: Any, max_messages: int | None = None, max_tokens: int | None = None) -> TransformMessages | None:
    """Shortcut: keep at most ``max_messages`` and fit under ``max_tokens`` (counted for the agent's model)."""
    transforms: list[MessageTransform] = []
    if max_messages:
        transforms.append(MessageHistoryLimiter(max_messages=max_messages))
    if max_tokens:
        model = agent.client.model if getattr(agent, "client", None) else "gpt-4o"
        transforms.append(MessageTokenLimiter(max_tokens=max_tokens, model=model))
    if not transforms:
        return None
    capability = TransformMessages(transforms)
    capability.add_to_agent(agent)
    return capability
