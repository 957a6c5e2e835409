"""Nested chats: an agent answers a message by running chats of its own and replying with their summary.

    reviewer.register_nested_chats([{"recipient": critic, "max_turns": 1}], trigger=writer)

As in AutoGen, the chats run one after another with carryover (``initiate_chats``); registered with
``use_async=True`` they take part in async chats only and run through AutoGen's async multi-chat
(``a_initiate_chats``): each chat starts once its ``prerequisites`` have finished, the others at once,
side by side, and the reply is the summary of the queue's last chat.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from components.agentchat import async_chat
from components.coding.extract import message_text

if TYPE_CHECKING:
    from components.agentchat.conversable import ConversableAgent

DEFAULT_REPLY_FUNC = "summary_from_nested_chats"


def register_nested_chats(
    self: ConversableAgent,
    chat_queue: list[dict[str, Any]],
    trigger: Any,
    reply_func_from_nested_chats: str | Callable[..., Any] = DEFAULT_REPLY_FUNC,
    position: int = 2,
    use_async: bool | None = None,
    **kwargs: Any,
) -> None:
    """When ``trigger`` matches, run ``chat_queue`` and reply with the last chat's summary (or with what
    ``reply_func_from_nested_chats(chat_queue, recipient, messages, sender, config)`` says).

    ``use_async=True`` needs a ``chat_id`` on every chat and, when given, a coroutine reply function. The
    default reply functions are the agent's ``_summary_from_nested_chats`` and
    ``_a_summary_from_nested_chats``, so a subclass may override them, as in AutoGen.
    """
    if use_async and any(c.get("chat_id") is None for c in chat_queue):
        raise ValueError("chat_id is required for async nested chats: give every chat in chat_queue a 'chat_id'")
    if reply_func_from_nested_chats == DEFAULT_REPLY_FUNC:
        reply_func_from_nested_chats = self._a_summary_from_nested_chats if use_async else self._summary_from_nested_chats
    elif not callable(reply_func_from_nested_chats):
        raise ValueError("reply_func_from_nested_chats must be a callable")
    elif use_async and not inspect.iscoroutinefunction(reply_func_from_nested_chats):
        raise ValueError("reply_func_from_nested_chats must be a callable and a coroutine when use_async=True")
    func = reply_func_from_nested_chats

    def nested_chats_reply(recipient, messages=None, sender=None, config=None):  # type: ignore[no-untyped-def]
        if use_async and not async_chat.in_async_chat():
            return False, None  # AutoGen: async nested chats sit out sync chats
        return async_chat.resolve(func(chat_queue, recipient, messages, sender, config))

    functools.update_wrapper(nested_chats_reply, func)
    self.register_reply(trigger, nested_chats_reply, position, kwargs.get("config"), kwargs.get("reset_config"))


def chats_to_run(
    chat_queue: list[dict[str, Any]], recipient: ConversableAgent, messages: list[dict[str, Any]] | None,
    sender: Any, config: Any,
) -> list[dict[str, Any]]:
    """The chats to start, as AutoGen picks them: the sender defaults to the agent that was asked, the
    first chat without a message starts from the last message received, a callable message is asked for
    its text, and a chat that ends up without a message is left out."""
    last_text = message_text((messages or [{}])[-1].get("content"))
    to_run = []
    for i, chat_info in enumerate(chat_queue):
        info = dict(chat_info)
        if info.get("sender") is None:
            info["sender"] = recipient
        message = info.get("message")
        if message is None and i == 0:
            message = last_text
        if callable(message):
            message = message(recipient, messages, sender, config)
        if message:
            info["message"] = message
            to_run.append(info)
    return to_run


def summary_from_nested_chats(
    chat_queue: list[dict[str, Any]], recipient: ConversableAgent, messages: list[dict[str, Any]] | None = None,
    sender: Any = None, config: Any = None,
) -> tuple[bool, str | None]:
    """AutoGen's default nested-chat reply: the chats one after another; the last one's summary."""
    from components.agentchat.chat import initiate_chats

    to_run = [{k: v for k, v in c.items() if k != "chat_id"} for c in chats_to_run(chat_queue, recipient, messages, sender, config)]
    if not to_run:
        return True, None
    return True, initiate_chats(to_run)[-1].summary


async def a_summary_from_nested_chats(
    chat_queue: list[dict[str, Any]], recipient: ConversableAgent, messages: list[dict[str, Any]] | None = None,
    sender: Any = None, config: Any = None,
) -> tuple[bool, str | None]:
    """AutoGen's async default: the chats through ``a_initiate_chats`` (by ``chat_id`` and
    ``prerequisites``, side by side where allowed); the summary of the queue's last chat."""
    from components.agentchat.chat_graph import run_chat_graph

    to_run = chats_to_run(chat_queue, recipient, messages, sender, config)
    if not to_run:
        return True, None
    results = await run_chat_graph(to_run)
    return True, results[to_run[-1]["chat_id"]].summary
