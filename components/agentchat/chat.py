"""Starting conversations: initiate_chat, sequential chats with carryover, summaries (nested chats: ``nested_chats``)."""

from __future__ import annotations

import contextvars
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from components import runtime
from components.agentchat import human
from components.agentchat.llm_reply import ask_model
from components.agentchat.usage import gather_usage_summary
from components.coding.extract import content_str, message_text
from components.errors import InvalidCarryOverTypeError
from components.events import ChatFinished, ChatStarted, new_id

if TYPE_CHECKING:
    from components.agentchat.conversable import ConversableAgent

SUMMARY_METHODS = ("last_msg", "reflection_with_llm")
DEFAULT_SUMMARY_PROMPT = "Summarize the takeaway from the conversation. Do not add any introductory phrases."
_chat_depth: contextvars.ContextVar[int] = contextvars.ContextVar("roundtable_chat_depth", default=0)


@dataclass
class ChatResult:
    """What a finished chat returns (AutoGen's shape)."""

    chat_id: str | None = None
    chat_history: list[dict[str, Any]] = field(default_factory=list)
    summary: str = ""
    cost: dict[str, Any] = field(default_factory=dict)
    human_input: list[str] = field(default_factory=list)


def initiate_chat(
    self: ConversableAgent,
    recipient: ConversableAgent,
    clear_history: bool = True,
    silent: bool | None = False,
    cache: Any = None,
    max_turns: int | None = None,
    summary_method: str | Callable[..., str] | None = "last_msg",
    summary_args: dict[str, Any] | None = None,
    message: dict[str, Any] | str | Callable[..., Any] | None = None,
    **kwargs: Any,
) -> ChatResult:
    """Start a chat with ``recipient``: send the first message, then the agents reply to each other
    until one ends it (termination message, auto-reply limit, a human's 'exit') or ``max_turns`` pass."""
    summary_args = summary_args or {}
    _check_summary_method(summary_method, self, recipient)
    if max_turns is not None and (not isinstance(max_turns, int) or max_turns < 1):
        raise ValueError(f"max_turns must be a positive int or None, got {max_turns!r}")
    for agent in (self, recipient):
        agent._raise_on_async_reply_functions()
    chat_id = new_id()
    depth = _chat_depth.set(_chat_depth.get() + 1)
    try:
        runtime.emit(ChatStarted(chat_id=chat_id, initiator=self.name, recipient=recipient.name, max_turns=max_turns))
        reason = _run_turns(self, recipient, clear_history, bool(silent), max_turns, message, kwargs)
        summary = summarize_chat(self, recipient, summary_method, summary_args)
        result = ChatResult(
            chat_id=chat_id,
            chat_history=self.chat_messages[recipient],
            summary=summary,
            cost=gather_usage_summary(_participants(self, recipient)),
            human_input=list(self._human_input),
        )
        runtime.emit(ChatFinished(
            chat_id=chat_id, initiator=self.name, recipient=recipient.name, summary=summary, reason=reason,
            cost=result.cost,
        ))
        return result
    finally:
        _chat_depth.reset(depth)
        if _chat_depth.get() == 0:  # the outermost chat owns the sandboxes: release them when it ends
            for agent in _participants(self, recipient):
                agent.close()


def _run_turns(
    sender: ConversableAgent, recipient: ConversableAgent, clear_history: bool, silent: bool,
    max_turns: int | None, message: Any, kwargs: dict[str, Any],
) -> str:
    """Play the chat; returns why it ended."""
    if max_turns is None:
        sender._prepare_chat(recipient, clear_history)
        sender.send(_first_message(sender, recipient, message, kwargs), recipient, silent=silent)
        return recipient.stop_reason or sender.stop_reason or "no more replies"
    sender._prepare_chat(recipient, clear_history, reply_at_receive=False)
    for turn in range(max_turns):
        if turn == 0:
            msg2send = _first_message(sender, recipient, message, kwargs)
        else:
            msg2send = sender.generate_reply(messages=sender.chat_messages[recipient], sender=recipient)
        if msg2send is None:
            return sender.stop_reason or "no more replies"
        sender.send(msg2send, recipient, request_reply=True, silent=silent)
        if recipient.stop_reason:  # the recipient ended it (termination message, limit, a human's exit)
            return recipient.stop_reason
    return f"max_turns ({max_turns}) reached"


def _first_message(sender: ConversableAgent, recipient: ConversableAgent, message: Any, kwargs: dict[str, Any]) -> Any:
    if callable(message):
        return message(sender, recipient, kwargs)
    return sender.generate_init_message(message, **kwargs)


def _participants(sender: ConversableAgent, recipient: ConversableAgent) -> list[ConversableAgent]:
    agents = [sender, recipient]
    groupchat = getattr(recipient, "groupchat", None)
    if groupchat is not None:
        agents += [a for a in groupchat.agents if a not in agents]
    return agents


def generate_init_message(self: ConversableAgent, message: dict[str, Any] | str | None, **kwargs: Any) -> dict[str, Any] | str:
    """The first message: asked from the human when None, with any carryover appended."""
    if message is None:
        human.prepare_question(self, human.AskContext(on_skip="empty", standard_prompt=True))
        message = self.get_human_input(">")
    carryover = kwargs.get("carryover")
    if not carryover:
        return message
    if isinstance(carryover, str):
        context = "\nContext: \n" + carryover
    elif isinstance(carryover, list):
        context = "\nContext: \n" + "\n".join(_carryover_text(item) for item in carryover)
    else:
        raise InvalidCarryOverTypeError(
            f"Carryover should be a string or a list of strings, got {type(carryover).__name__}."
        )
    if isinstance(message, str):
        return message + context
    if not isinstance(message, dict):
        raise InvalidCarryOverTypeError(f"a message with carryover must be a str or a dict, got {type(message).__name__}.")
    content = message.get("content")
    if isinstance(content, list):  # multimodal: the context goes first, as a text part
        return {**message, "content": [{"type": "text", "text": context}, *content]}
    return {**message, "content": message_text(content) + context}


def _carryover_text(item: Any) -> str:
    if isinstance(item, dict) and "content" in item:
        return message_text(item.get("content"))
    return str(item)


# -- summaries -------------------------------------------------------------------------------------------
def _check_summary_method(method: Any, sender: ConversableAgent, recipient: ConversableAgent) -> None:
    if method is None or callable(method):
        return
    if method not in SUMMARY_METHODS:
        raise ValueError(
            f"summary_method must be one of {SUMMARY_METHODS}, a callable or None; got {method!r}"
        )
    if method == "reflection_with_llm" and sender.client is None and recipient.client is None:
        raise ValueError(
            "summary_method='reflection_with_llm' needs an LLM: give llm_config to "
            f"{sender.name} or {recipient.name}, or use summary_method='last_msg'"
        )


def summarize_chat(
    sender: ConversableAgent, recipient: ConversableAgent, method: Any, args: dict[str, Any]
) -> str:
    if method is None:
        return ""
    if callable(method):
        return summary_text(method(sender, recipient, args))
    if method == "last_msg":
        try:
            last = recipient.last_message(sender)
        except KeyError:
            return ""
        return message_text(last.get("content")).replace("TERMINATE", "") if last else ""
    agent = sender if sender.client is not None else recipient
    other = recipient if agent is sender else sender
    groupchat = getattr(recipient, "groupchat", None)
    history = list(groupchat.messages) if groupchat is not None else list(agent.chat_messages[other])
    prompt = args.get("summary_prompt") or DEFAULT_SUMMARY_PROMPT
    role = args.get("summary_role") or "system"
    reply = ask_model(agent, agent.client, [*history, {"role": role, "content": prompt}], purpose="summary")
    return summary_text(reply)


def summary_text(value: Any) -> str:
    """A custom summary_method's result as text: a message dict gives its content, None gives ""."""
    if isinstance(value, str):
        return value
    if value is None:
        return ""
    if isinstance(value, dict):
        return summary_text(value.get("content", ""))
    if isinstance(value, list):
        try:
            return content_str(value)
        except (TypeError, ValueError):
            return str(value)
    return str(value)


# -- sequential and nested chats -------------------------------------------------------------------------
def initiate_chats(chat_queue: list[dict[str, Any]]) -> list[ChatResult]:
    """Run chats one after another; each gets the summaries of those before it as carryover."""
    finished: list[ChatResult] = []
    for index, chat_info in enumerate(chat_queue):
        info = dict(chat_info)
        sender = info.pop("sender", None)
        if sender is None or "recipient" not in info:
            raise ValueError(f"chat_queue[{index}] needs a 'sender' and a 'recipient'")
        carryover = info.get("carryover", [])
        if not isinstance(carryover, (str, list)):
            raise InvalidCarryOverTypeError(
                f"chat_queue[{index}]: carryover should be a string or a list of strings, got {type(carryover).__name__}."
            )
        carryover = [carryover] if isinstance(carryover, str) else list(carryover)
        excluded = set(info.pop("finished_chat_indexes_to_exclude_from_carryover", []))
        info["carryover"] = carryover + [r.summary for i, r in enumerate(finished) if i not in excluded]
        finished.append(sender.initiate_chat(**info))
    return finished


def initiate_chats_from(self: ConversableAgent, chat_queue: list[dict[str, Any]]) -> list[ChatResult]:
    """``agent.initiate_chats(queue)``: like ``initiate_chats`` with this agent as the default sender."""
    return initiate_chats([{"sender": self, **c} if "sender" not in c else c for c in chat_queue])
