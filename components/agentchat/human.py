"""Termination and human input: AutoGen's ``check_termination_and_human_reply`` and ``get_human_input``.

The input itself comes from a pluggable function (the agent's ``input_fn``, else the run context's,
else the console), so the studio can answer for the human.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from components import runtime
from components.agentchat import async_chat
from components.events import InputGiven, InputRequested, new_id
from components.runtime import InputRequest

if TYPE_CHECKING:
    from components.agentchat.conversable import Agent, ConversableAgent


def get_human_input(self: ConversableAgent, prompt: str) -> str:
    """Ask the human; publishes the request and the answer as events."""
    request = InputRequest(
        agent=self.name, sender=getattr(self, "_input_sender_name", ""), prompt=prompt, request_id=new_id()
    )
    runtime.emit(InputRequested(agent=request.agent, sender=request.sender, request_id=request.request_id, prompt=prompt))
    reply = async_chat.resolve((self.input_fn or runtime.current().input_fn)(request))  # may be async
    runtime.check_cancelled()
    reply = reply if isinstance(reply, str) else str(reply or "")
    self._human_input.append(reply)
    action = "exit" if reply == "exit" else "reply" if reply else "skip"
    runtime.emit(InputGiven(agent=self.name, request_id=request.request_id, text=reply, action=action))
    return reply


def _ask(agent: ConversableAgent, prompt: str, sender_name: str) -> str:
    agent._input_sender_name = sender_name
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
            sender_name,
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
                sender_name,
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
                sender_name,
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
