"""How AutoGen turns what an agent sends into a stored chat-completions message."""

from __future__ import annotations

import copy
from typing import Any

from components.coding.extract import message_text

_KEPT_KEYS = ("content", "function_call", "tool_calls", "tool_responses", "tool_call_id", "name", "context")


def message_to_dict(message: dict[str, Any] | str) -> dict[str, Any]:
    if isinstance(message, str):
        return {"content": message}
    if isinstance(message, dict):
        return copy.copy(message)
    raise ValueError(
        f"a message must be a str or a dict with a 'content' key, got {type(message).__name__}"
    )


def to_stored_message(message: dict[str, Any] | str, role: str, sender_name: str) -> dict[str, Any] | None:
    """The message as kept in history, or None if it is not a valid chat message.

    Only the chat-completions keys survive; tool/function roles are kept; a message carrying a call is
    always the assistant's; the sender's name fills a missing ``name``.
    """
    message = message_to_dict(message)
    stored = {k: message[k] for k in _KEPT_KEYS if message.get(k) is not None}
    if "content" not in stored:
        if "function_call" in stored or "tool_calls" in stored:
            stored["content"] = None
        else:
            return None
    if message.get("role") in ("function", "tool"):
        stored["role"] = message["role"]
    elif "override_role" in message:
        stored["role"] = message["override_role"]
    else:
        stored["role"] = role
    if stored.get("function_call") or stored.get("tool_calls"):
        stored["role"] = "assistant"
    elif "name" not in stored:
        stored["name"] = sender_name
    return stored


def is_default_termination(message: dict[str, Any]) -> bool:
    """AutoGen's default: the whole content is exactly "TERMINATE"."""
    return message_text(message.get("content")) == "TERMINATE"


def invalid_message_error() -> ValueError:
    return ValueError(
        "Message can't be converted into a valid ChatCompletion message. Either content or function_call "
        "must be provided."
    )
