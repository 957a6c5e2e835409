"""AutoGen's async multi-chat: ``a_initiate_chats`` over chats with a ``chat_id`` and ``prerequisites``.

    results = await a_initiate_chats([
        {"chat_id": 1, "sender": user, "recipient": researcher, "message": "Find the facts."},
        {"chat_id": 2, "sender": user, "recipient": critic, "message": "Check them.", "prerequisites": [1]},
    ])
    results[2].summary

Chats run as soon as their prerequisites have finished (those without run at once, concurrently); a
chat's carryover gets the summaries of its prerequisites. The result maps chat ids to ChatResults.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from components.agentchat.chat import ChatResult


def uses_chat_ids(chat_queue: list[dict[str, Any]]) -> bool:
    """AutoGen's async form: every chat has a ``chat_id``. None has one: Roundtable's sequential form
    (a list of results). Some but not all: an error, as in AutoGen."""
    with_id = [c for c in chat_queue if "chat_id" in c]
    if with_id and len(with_id) != len(chat_queue):
        raise ValueError("Each chat must have a unique id for async multi-chat execution: give every chat a 'chat_id'.")
    return bool(with_id)


def _order(chat_queue: list[dict[str, Any]]) -> list[Any]:
    ids = [c["chat_id"] for c in chat_queue]
    if len(set(ids)) != len(ids):
        raise ValueError(f"chat_id values must be unique, got {ids}")
    waiting = {c["chat_id"]: set(c.get("prerequisites", [])) for c in chat_queue}
    for chat_id, prerequisites in waiting.items():
        for pre in prerequisites:
            if not isinstance(pre, int):
                raise ValueError(f"chat {chat_id}: prerequisite {pre!r} is not an int chat id")
            if pre not in waiting:
                raise ValueError(f"chat {chat_id}: prerequisite {pre} is not a chat in the queue")
    order: list[Any] = []
    while waiting:
        ready = [i for i, pres in waiting.items() if pres <= set(order)]
        if not ready:
            raise ValueError(f"the prerequisites of chats {sorted(waiting)} form a cycle: none of them can start")
        order += ready
        for i in ready:
            waiting.pop(i)
    return order


async def run_chat_graph(chat_queue: list[dict[str, Any]], default_sender: Any = None) -> dict[Any, ChatResult]:
    book = {c["chat_id"]: dict(c) for c in chat_queue}
    tasks: dict[Any, asyncio.Task[ChatResult]] = {}

    async def one(chat_id: Any) -> ChatResult:
        info = book[chat_id]
        prerequisites = info.pop("prerequisites", [])
        finished = {pre: await tasks[pre] for pre in prerequisites}
        excluded = set(info.pop("finished_chat_indexes_to_exclude_from_carryover", []))
        carryover = info.get("carryover", [])
        carryover = [carryover] if isinstance(carryover, str) else list(carryover)
        info["carryover"] = carryover + [r.summary for pre, r in finished.items() if pre not in excluded]
        info.pop("chat_id")
        sender = info.pop("sender", None) or default_sender
        if sender is None:
            raise ValueError(f"chat {chat_id} needs a 'sender'")
        result = await sender.a_initiate_chat(**info)
        result.chat_id = chat_id  # AutoGen: the result carries the queue's id
        return result

    for chat_id in _order(chat_queue):
        tasks[chat_id] = asyncio.ensure_future(one(chat_id))
    await asyncio.gather(*tasks.values())
    return {chat_id: task.result() for chat_id, task in tasks.items()}
