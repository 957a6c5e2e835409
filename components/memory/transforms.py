"""Context limits applied before each reply: AutoGen's ``transform_messages`` capability.

    TransformMessages([MessageHistoryLimiter(max_messages=10), MessageTokenLimiter(max_tokens=2000)]).add_to_agent(agent)

Tokens are counted with litellm's token counter for the agent's model. A tool result is never kept
without the assistant message that asked for it (providers reject such a history).
"""

from __future__ import annotations

import copy
from typing import Any, Protocol

from components import runtime
from components.coding.extract import message_text
from components.events import Notice
from components.llm.litellm_loader import get_litellm


class MessageTransform(Protocol):
    def apply_transform(self, messages: list[dict[str, Any]]) -> list[dict[str, Any]]: ...

    def get_logs(
        self, pre_transform_messages: list[dict[str, Any]], post_transform_messages: list[dict[str, Any]]
    ) -> tuple[str, bool]: ...


def _drop_orphan_tool_results(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    start = 0
    while start < len(messages) and messages[start].get("role") == "tool":
        start += 1
    return messages[start:]


def matches_filter(message: dict[str, Any], filter_dict: dict[str, Any] | None, exclude: bool) -> bool:
    """Whether a transform applies to ``message``: ``filter_dict`` maps keys to allowed values (a value
    or a list of them); matching messages are left alone when ``exclude`` (AutoGen's default), else only
    they are transformed. No filter: every message."""
    if not filter_dict:
        return True
    matched = True
    for key, wanted in filter_dict.items():
        values = wanted if isinstance(wanted, (list, tuple, set)) else [wanted]
        have = message.get(key)
        have_values = have if isinstance(have, list) else [have]
        if not any(h in values for h in have_values):
            matched = False
            break
    return not matched if exclude else matched


def count_tokens(messages: list[dict[str, Any]], model: str = "gpt-4o") -> int:
    return sum(int(get_litellm().token_counter(model=model, text=message_text(m.get("content")))) for m in messages)


class MessageHistoryLimiter:
    """Keep only the last ``max_messages`` messages (optionally the first one too); messages from
    ``exclude_names`` are left out first. ``max_messages=None`` keeps everything."""

    def __init__(self, max_messages: int | None = None, keep_first_message: bool = False, exclude_names: list[str] | None = None) -> None:
        if max_messages is not None and (not isinstance(max_messages, int) or max_messages < 1):
            raise ValueError(f"max_messages must be None or an int >= 1, got {max_messages!r}")
        self.max_messages = max_messages
        self.keep_first_message = keep_first_message
        self.exclude_names = list(exclude_names or [])

    def apply_transform(self, messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
        if self.exclude_names:
            messages = [m for m in messages if m.get("name") not in self.exclude_names]
        if self.max_messages is None or len(messages) <= self.max_messages:
            return messages
        if self.keep_first_message and self.max_messages > 1:
            tail = _drop_orphan_tool_results(messages[-(self.max_messages - 1):])
            return [messages[0], *tail]
        return _drop_orphan_tool_results(messages[-self.max_messages:])

    def get_logs(self, pre_transform_messages: list[dict[str, Any]], post_transform_messages: list[dict[str, Any]]) -> tuple[str, bool]:
        before, after = len(pre_transform_messages), len(post_transform_messages)
        if after < before:
            return f"Removed {before - after} messages. Number of messages reduced from {before} to {after}.", True
        return "No messages were removed.", False


class MessageTokenLimiter:
    """Keep the most recent messages that fit in ``max_tokens``; cut any message past ``max_tokens_per_message``.

    Nothing happens while the history holds fewer than ``min_tokens``; messages ``filter_dict`` excludes
    (see ``matches_filter``) are kept whole but still count.
    """

    def __init__(
        self,
        max_tokens_per_message: int | None = None,
        max_tokens: int | None = None,
        min_tokens: int | None = None,
        model: str = "gpt-4o",
        filter_dict: dict[str, Any] | None = None,
        exclude_filter: bool = True,
    ) -> None:
        for name, value in (("max_tokens", max_tokens), ("max_tokens_per_message", max_tokens_per_message)):
            if value is not None and (not isinstance(value, int) or value < 1):
                raise ValueError(f"{name} must be an int >= 1 or None, got {value!r}")
        if min_tokens is not None and (not isinstance(min_tokens, int) or min_tokens < 0):
            raise ValueError(f"min_tokens must be None or an int >= 0, got {min_tokens!r}")
        if min_tokens is not None and max_tokens is not None and min_tokens > max_tokens:
            raise ValueError(f"min_tokens ({min_tokens}) must not be more than max_tokens ({max_tokens}).")
        self.max_tokens = max_tokens
        self.max_tokens_per_message = max_tokens_per_message
        self.min_tokens = min_tokens or 0
        self.model = model
        self.filter_dict = filter_dict
        self.exclude_filter = exclude_filter

    def count(self, text: str) -> int:
        return int(get_litellm().token_counter(model=self.model, text=text))

    def apply_transform(self, messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
        if self.min_tokens and count_tokens(messages, self.model) < self.min_tokens:
            return messages
        kept: list[dict[str, Any]] = []
        budget = self.max_tokens
        for message in reversed(messages):
            applies = matches_filter(message, self.filter_dict, self.exclude_filter)
            if applies:
                message = self._cut(message)
            tokens = self.count(message_text(message.get("content")))
            if applies and budget is not None and tokens > budget and kept:  # the newest message always stays
                break
            kept.append(message)
            if budget is not None:
                budget -= tokens
        return _drop_orphan_tool_results(list(reversed(kept)))

    def get_logs(self, pre_transform_messages: list[dict[str, Any]], post_transform_messages: list[dict[str, Any]]) -> tuple[str, bool]:
        before, after = count_tokens(pre_transform_messages, self.model), count_tokens(post_transform_messages, self.model)
        if after < before:
            return f"Truncated {before - after} tokens. Number of tokens reduced from {before} to {after}", True
        return "No tokens were truncated.", False

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
    """Attach transforms to an agent: they shape the history it answers from (its stored history stays whole).

    With ``verbose`` each transform that changed something says what (its ``get_logs``) as a Notice event.
    """

    def __init__(self, transforms: list[MessageTransform], verbose: bool = True) -> None:
        self.transforms = list(transforms)
        self.verbose = verbose

    def add_to_agent(self, agent: Any) -> None:
        agent.register_hook("process_all_messages_before_reply", self.apply)

    def apply(self, messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
        result = list(messages)
        for transform in self.transforms:
            before = result
            result = transform.apply_transform(result)
            get_logs = getattr(transform, "get_logs", None)
            if self.verbose and get_logs is not None:
                text, changed = get_logs(before, result)
                if changed:
                    runtime.emit(Notice(message=text))
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
    capability = TransformMessages(transforms, verbose=False)
    capability.add_to_agent(agent)
    return capability
