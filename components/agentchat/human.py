"""Termination and human input: AutoGen's ``check_termination_and_human_reply`` and ``get_human_input``.

The input itself comes from a pluggable function (the agent's ``input_fn``, else the run context's,
else the console), so the studio can answer for the human.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from components import runtime
from components.agentchat import async_chat
from components.coding.extract import UNKNOWN, extract_code, message_text
from components.events import InputGiven, InputRequested, PendingToolCall, SkipOutcome, new_id
from components.runtime import InputRequest

if TYPE_CHECKING:
    from components.agentchat.conversable import Agent, ConversableAgent


def get_human_input(self: ConversableAgent, prompt: str) -> str:
    """Ask the human; publishes the request and the answer as events."""
    context: AskContext = getattr(self, "_input_context", None) or AskContext()
    self._input_context = None  # a later direct call from the program's own code has no context
    request = InputRequest(
        agent=self.name, sender=context.sender, prompt=prompt, request_id=new_id(),
        tool_calls=context.tool_calls, on_skip=context.on_skip, standard_prompt=context.standard_prompt,
    )
    runtime.emit(InputRequested(
        agent=request.agent, sender=request.sender, request_id=request.request_id, prompt=prompt,
        tool_calls=[PendingToolCall(name=n, arguments=a) for n, a in request.tool_calls],
        on_skip=request.on_skip, standard_prompt=request.standard_prompt,
    ))
    reply = async_chat.resolve((self.input_fn or runtime.current().input_fn)(request))  # may be async
    runtime.check_cancelled()
    reply = reply if isinstance(reply, str) else str(reply or "")
    self._human_input.append(reply)
    action = "exit" if reply == "exit" else "reply" if reply else "skip"
    runtime.emit(InputGiven(agent=self.name, request_id=request.request_id, text=reply, action=action))
    return reply


@dataclass(frozen=True)
class AskContext:
    """What ``check_termination_and_human_reply`` knows about the question it is about to ask."""

    sender: str = ""
    tool_calls: tuple[tuple[str, str], ...] = ()
    on_skip: SkipOutcome = "auto_reply"
    standard_prompt: bool = False


_STANDARD_REPLIES = frozenset({
    "generate_oai_reply", "generate_code_execution_reply", "generate_tool_calls_reply",
    "generate_function_call_reply", "check_termination_and_human_reply",
})


def prepare_question(agent: ConversableAgent, context: AskContext) -> None:
    """Say what the next ``get_human_input`` call is about (AutoGen's signature has only the prompt)."""
    agent._input_context = context


def _pending_calls(message: dict[str, Any]) -> tuple[tuple[str, str], ...]:
    calls = [c.get("function") or {} for c in message.get("tool_calls") or [] if isinstance(c, dict)]
    if isinstance(message.get("function_call"), dict):
        calls.append(message["function_call"])
    return tuple((str(c.get("name", "")), str(c.get("arguments", ""))) for c in calls)


def _can_auto_reply(agent: ConversableAgent, message: dict[str, Any]) -> bool:
    """Would the agent's own reply functions produce an answer to ``message`` (not AutoGen's empty default)?"""
    if agent.llm_config or agent._default_auto_reply:
        return True
    if any(e["reply_func"].__name__ not in _STANDARD_REPLIES for e in agent._reply_func_list):
        return True  # the program's own reply function: assume it answers
    calls = _pending_calls(message)
    if calls and agent.can_execute_function([name for name, _ in calls]):
        return True
    if agent._code_execution_config is not False:
        blocks = extract_code(message_text(message.get("content")))
        return any(language != UNKNOWN for language, _ in blocks)
    return False


def _skip_outcome(agent: ConversableAgent, message: dict[str, Any], sender: Agent | None, terminate: bool) -> SkipOutcome:
    """What an empty answer leads to, following the branches of ``check_termination_and_human_reply``."""
    if terminate:
        return "end"
    if agent._max_consecutive_auto_reply_dict[sender] == 0 or not _can_auto_reply(agent, message):
        return "empty"
    return "auto_reply"


def _ask(
    agent: ConversableAgent, prompt: str, sender_name: str, message: dict[str, Any], on_skip: SkipOutcome
) -> str:
    prepare_question(agent, AskContext(
        sender=sender_name, tool_calls=_pending_calls(message), on_skip=on_skip, standard_prompt=True
    ))
    if async_chat.in_async_chat() and type(agent).a_get_human_input is not async_chat.a_get_human_input:
        return async_chat.resolve(agent.a_get_human_input(prompt))  # the program's own async way of asking
    return agent.get_human_input(prompt)


def check_termination_and_human_reply(
    self: ConversableAgent,
    messages: list[dict[str, Any]] | None = None,
    sender: Agent | None = None,
    config: Any = None,
) -> tuple[bool, dict[str, Any] | None]:
    """Decide whether the chat ends, a human answers, or the agent auto-replies (returns (False, None))."""
    if messages is None:
        messages = self._oai_messages[sender] if sender else []
    message = messages[-1] if messages else {}
    sender_name = "the sender" if sender is None else sender.name
    reply = ""
    reason = ""
    if self.human_input_mode == "ALWAYS":
        reply = _ask(
            self,
            f"Replying as {self.name}. Provide feedback to {sender_name}. Press enter to skip and use auto-reply, "
            "or type 'exit' to end the conversation: ",
            sender_name, message, _skip_outcome(self, message, sender, self.is_termination_msg(message)),
        )
        if not reply and self.is_termination_msg(message):
            reply, reason = "exit", "termination message, and the human did not reply"
    elif self._consecutive_auto_reply_counter[sender] >= self._max_consecutive_auto_reply_dict[sender]:
        if self.human_input_mode == "NEVER":
            reply, reason = "exit", f"{self.name} reached its maximum number of consecutive auto-replies"
        else:
            terminate = self.is_termination_msg(message)
            reply = _ask(
                self,
                f"Please give feedback to {sender_name}. Press enter or type 'exit' to stop the conversation: "
                if terminate
                else f"Please give feedback to {sender_name}. Press enter to skip and use auto-reply, or type "
                "'exit' to stop the conversation: ",
                sender_name, message, _skip_outcome(self, message, sender, terminate),
            )
            if not reply and terminate:
                reply, reason = "exit", self.termination_reason(message, sender_name, "termination message")
    elif self.is_termination_msg(message):
        if self.human_input_mode == "NEVER":
            reply, reason = "exit", self.termination_reason(
                message, sender_name, f"termination message received by {self.name}"
            )
        else:
            reply = _ask(
                self,
                f"Please give feedback to {sender_name}. Press enter or type 'exit' to stop the conversation: ",
                sender_name, message, "end",
            )
            if not reply:
                reply, reason = "exit", self.termination_reason(message, sender_name, "termination message")

    if reply == "exit":
        self._consecutive_auto_reply_counter[sender] = 0
        self.stop_reason = reason or f"the human typed 'exit' for {self.name}"
        return True, None
    if reply or self._max_consecutive_auto_reply_dict[sender] == 0:
        self._consecutive_auto_reply_counter[sender] = 0
        return True, _human_response(reply, message)
    self._consecutive_auto_reply_counter[sender] += 1
    return False, None


def _human_response(reply: str, message: dict[str, Any]) -> dict[str, Any]:
    """The human's answer; pending function/tool calls are answered "USER INTERRUPTED"."""
    tool_returns: list[dict[str, Any]] = []
    if message.get("function_call"):
        name = message["function_call"].get("name", "")
        tool_returns.append({"role": "function", "name": name, "content": "USER INTERRUPTED"})
    for call in message.get("tool_calls") or []:
        tool_returns.append({"role": "tool", "tool_call_id": call.get("id", ""), "content": "USER INTERRUPTED"})
    response: dict[str, Any] = {"role": "user", "content": reply}
    if tool_returns:
        response["tool_responses"] = tool_returns
    return response
