"""ConversableAgent: keeps per-peer histories, sends and receives, and answers through its reply functions.

The reply functions themselves (human input and termination, tools, code execution, the LLM) live in
their own modules; this class wires them in AutoGen's order and owns the message bookkeeping.
"""

from __future__ import annotations

import inspect
import sys
from collections import defaultdict
from collections.abc import Callable
from typing import Any

from components import runtime
from components.agentchat import async_chat, chat, code_reply, human, llm_reply, nested_chats, tools
from components.agentchat.messages import (
    invalid_message_error,
    is_default_termination,
    message_to_dict,
    to_stored_message,
)
from components.agentchat.usage import UsageLedger
from components.coding.config import CodeExecutionConfig, normalize_code_execution_config
from components.coding.extract import message_text
from components.errors import SenderRequired
from components.events import MessageSent
from components.llm.client import LLMClient
from components.llm.config import normalize_llm_config, settings_from_config
from components.memory import state
from components.runtime import InputFunction

HUMAN_INPUT_MODES = ("ALWAYS", "TERMINATE", "NEVER")
DEFAULT_MAX_CONSECUTIVE_AUTO_REPLY = 100
HOOKABLE = ("process_last_received_message", "process_all_messages_before_reply", "process_message_before_send")


class Agent:
    """What every participant in a conversation is: a name and a description others can read."""

    name: str
    description: str


class ConversableAgent(Agent):
    DEFAULT_SYSTEM_MESSAGE = "You are a helpful AI Assistant."

    def __init__(
        self,
        name: str,
        system_message: str | list | None = DEFAULT_SYSTEM_MESSAGE,
        is_termination_msg: Callable[[dict[str, Any]], bool] | None = None,
        max_consecutive_auto_reply: int | None = None,
        human_input_mode: str = "TERMINATE",
        function_map: dict[str, Callable[..., Any]] | None = None,
        code_execution_config: dict[str, Any] | CodeExecutionConfig | bool | None = False,
        llm_config: dict[str, Any] | bool | None = None,
        default_auto_reply: str | dict[str, Any] = "",
        description: str | None = None,
        chat_messages: dict[Agent, list[dict[str, Any]]] | None = None,
        input_fn: InputFunction | None = None,
    ) -> None:
        if not isinstance(name, str) or not name.strip():
            raise ValueError("name must be a non-empty string, e.g. name='assistant'")
        if human_input_mode not in HUMAN_INPUT_MODES:
            raise ValueError(f"human_input_mode must be one of {', '.join(HUMAN_INPUT_MODES)}; got {human_input_mode!r}")
        self.name = name
        self._oai_system_message = [{"content": system_message or "", "role": "system"}]
        self.description = description if description is not None else (system_message or "")
        self._is_termination_msg = is_termination_msg or is_default_termination
        self._max_consecutive_auto_reply = (
            DEFAULT_MAX_CONSECUTIVE_AUTO_REPLY if max_consecutive_auto_reply is None else max_consecutive_auto_reply
        )
        self.human_input_mode = human_input_mode
        self._default_auto_reply = default_auto_reply
        self.input_fn = input_fn
        self._oai_messages: dict[Agent, list[dict[str, Any]]] = defaultdict(list)
        for peer, history in (chat_messages or {}).items():
            self._oai_messages[peer] = list(history)
        self._consecutive_auto_reply_counter: dict[Agent, int] = defaultdict(int)
        self._max_consecutive_auto_reply_dict: dict[Agent, int] = defaultdict(self.max_consecutive_auto_reply)
        self.reply_at_receive: dict[Agent, bool] = defaultdict(bool)
        self._function_map: dict[str, Callable[..., Any]] = {}
        self.register_function(function_map or {})
        self.llm_config: dict[str, Any] | bool = normalize_llm_config(llm_config)
        self.client: LLMClient | None = None
        self._refresh_client()
        self._code_execution_config = normalize_code_execution_config(code_execution_config)
        self._code_executor = None
        self._human_input: list[str] = []
        self.usage = UsageLedger()
        self.stop_reason = ""
        self.hook_lists: dict[str, list[Callable[..., Any]]] = {name: [] for name in HOOKABLE}
        self._reply_func_list: list[dict[str, Any]] = []
        self.register_reply([Agent, None], ConversableAgent.generate_oai_reply)
        if self._code_execution_config is not False:
            self.register_reply([Agent, None], ConversableAgent.generate_code_execution_reply)
        self.register_reply([Agent, None], ConversableAgent.generate_tool_calls_reply)
        self.register_reply([Agent, None], ConversableAgent.generate_function_call_reply)
        self.register_reply([Agent, None], ConversableAgent.check_termination_and_human_reply)

    # -- reply functions (implemented in their own modules; kept as methods for AutoGen's API) --------
    generate_oai_reply = llm_reply.generate_oai_reply
    generate_code_execution_reply = code_reply.generate_code_execution_reply
    generate_tool_calls_reply = tools.generate_tool_calls_reply
    generate_function_call_reply = tools.generate_function_call_reply
    check_termination_and_human_reply = human.check_termination_and_human_reply
    get_human_input = human.get_human_input
    execute_function = tools.execute_function
    register_for_llm = tools.register_for_llm
    register_for_execution = tools.register_for_execution
    update_function_signature = tools.update_function_signature
    update_tool_signature = tools.update_tool_signature
    a_execute_function = async_chat.a_execute_function
    a_generate_function_call_reply = async_chat.a_generate_function_call_reply
    a_generate_tool_calls_reply = async_chat.a_generate_tool_calls_reply
    a_generate_init_message = async_chat.a_generate_init_message
    initiate_chat = chat.initiate_chat
    initiate_chats = chat.initiate_chats_from
    generate_init_message = chat.generate_init_message
    register_nested_chats = nested_chats.register_nested_chats
    _summary_from_nested_chats = staticmethod(nested_chats.summary_from_nested_chats)
    _a_summary_from_nested_chats = staticmethod(nested_chats.a_summary_from_nested_chats)
    save_state = state.save_state
    load_state = state.load_state
    a_initiate_chat = async_chat.a_initiate_chat
    a_initiate_chats = async_chat.a_initiate_chats_from
    a_send = async_chat.a_send
    a_receive = async_chat.a_receive
    a_generate_reply = async_chat.a_generate_reply
    a_get_human_input = async_chat.a_get_human_input

    # -- configuration -------------------------------------------------------------------------------
    @property
    def system_message(self) -> str:
        return self._oai_system_message[0]["content"]

    def update_system_message(self, system_message: str) -> None:
        self._oai_system_message[0]["content"] = system_message

    def max_consecutive_auto_reply(self, sender: Agent | None = None) -> int:
        return self._max_consecutive_auto_reply if sender is None else self._max_consecutive_auto_reply_dict[sender]

    def update_max_consecutive_auto_reply(self, value: int, sender: Agent | None = None) -> None:
        if sender is None:
            self._max_consecutive_auto_reply = value
            for peer in self._max_consecutive_auto_reply_dict:
                self._max_consecutive_auto_reply_dict[peer] = value
        else:
            self._max_consecutive_auto_reply_dict[sender] = value

    @property
    def function_map(self) -> dict[str, Callable[..., Any]]:
        return self._function_map

    def register_function(self, function_map: dict[str, Callable[..., Any] | None]) -> None:
        """Add functions this agent can execute; a ``None`` value removes that name."""
        for name, func in function_map.items():
            self._assert_valid_name(name)
            if func is None:
                self._function_map.pop(name, None)
            else:
                self._function_map[name] = func

    _assert_valid_name = staticmethod(tools.assert_valid_name)

    def can_execute_function(self, name: str | list[str]) -> bool:
        names = name if isinstance(name, list) else [name]
        return all(n in self._function_map for n in names)

    def _refresh_client(self) -> None:
        self.client = LLMClient(settings_from_config(self.llm_config)) if self.llm_config else None

    @property
    def code_executor(self):  # type: ignore[no-untyped-def]
        """The executor that runs this agent's code, created on first use (Docker starts lazily)."""
        if self._code_execution_config is False:
            return None
        if self._code_executor is None:
            self._code_executor = self._code_execution_config.build_executor()
        return self._code_executor

    def close(self) -> None:
        """Release the code executor (removes a Docker container); the agent stays usable."""
        if self._code_executor is not None:
            self._code_executor.close()
            self._code_executor = None

    # -- histories -----------------------------------------------------------------------------------
    @property
    def chat_messages(self) -> dict[Agent, list[dict[str, Any]]]:
        return self._oai_messages

    def chat_messages_for_summary(self, agent: Agent) -> list[dict[str, Any]]:
        return self._oai_messages[agent]

    def last_message(self, agent: Agent | None = None) -> dict[str, Any] | None:
        if agent is None:
            if len(self._oai_messages) == 0:
                return None
            if len(self._oai_messages) == 1:
                history = next(iter(self._oai_messages.values()))
                return history[-1] if history else None
            raise ValueError("More than one conversation is found. Specify which conversation to use.")
        history = self._oai_messages.get(agent)
        if history is None:
            names = ", ".join(a.name for a in self._oai_messages)
            raise KeyError(f"The agent '{agent.name}' is not present in any conversation. Known peers: {names}")
        return history[-1] if history else None

    def clear_history(self, recipient: Agent | None = None, nr_messages_to_preserve: int | None = None) -> None:
        targets = [recipient] if recipient is not None else list(self._oai_messages)
        for peer in targets:
            if nr_messages_to_preserve:
                self._oai_messages[peer] = self._oai_messages[peer][-nr_messages_to_preserve:]
            else:
                self._oai_messages[peer].clear()

    def reset(self) -> None:
        self.clear_history()
        self.reset_consecutive_auto_reply_counter()
        self.stop_reply_at_receive()
        self.usage.clear()

    def reset_consecutive_auto_reply_counter(self, sender: Agent | None = None) -> None:
        if sender is None:
            self._consecutive_auto_reply_counter.clear()
        else:
            self._consecutive_auto_reply_counter[sender] = 0

    def stop_reply_at_receive(self, sender: Agent | None = None) -> None:
        if sender is None:
            self.reply_at_receive.clear()
        else:
            self.reply_at_receive[sender] = False

    def _append_oai_message(self, message: dict[str, Any] | str, role: str, conversation_id: Agent, is_sending: bool) -> bool:
        sender_name = self.name if is_sending else conversation_id.name
        stored = to_stored_message(message, role, sender_name)
        if stored is None:
            return False
        self._oai_messages[conversation_id].append(stored)
        return True

    # -- sending and receiving -----------------------------------------------------------------------
    def send(self, message: dict[str, Any] | str, recipient: Agent, request_reply: bool | None = None, silent: bool = False) -> None:
        message = self._process_message_before_send(message, recipient, silent)
        if not self._append_oai_message(message, "assistant", recipient, is_sending=True):
            raise invalid_message_error()
        if not silent:
            stored = self._oai_messages[recipient][-1]
            content = stored.get("content")
            runtime.emit(MessageSent(
                sender=self.name, recipient=recipient.name, role=stored["role"],
                content=content if content is None or isinstance(content, (str, list)) else message_text(content),
                name=stored.get("name"), tool_calls=stored.get("tool_calls"),
                function_call=stored.get("function_call"), tool_responses=stored.get("tool_responses"),
            ))
        if async_chat.awaits_receive(recipient):
            async_chat.resolve(recipient.a_receive(message, self, request_reply, silent))
        else:
            recipient.receive(message, self, request_reply, silent)

    def receive(self, message: dict[str, Any] | str, sender: Agent, request_reply: bool | None = None, silent: bool = False) -> None:
        if not self._append_oai_message(message, "user", sender, is_sending=False):
            raise invalid_message_error()
        if request_reply is False or (request_reply is None and not self.reply_at_receive[sender]):
            return
        reply = self.generate_reply(messages=self.chat_messages[sender], sender=sender)
        if reply is not None:
            self.send(reply, sender, silent=silent)

    # -- replying ------------------------------------------------------------------------------------
    def register_reply(
        self,
        trigger: Any,
        reply_func: Callable[..., tuple[bool, Any]],
        position: int = 0,
        config: Any = None,
        reset_config: Callable[[Any], None] | None = None,
        *,
        ignore_async_in_sync_chat: bool = False,
        remove_other_reply_funcs: bool = False,
    ) -> None:
        """Add a reply function; later registrations (position 0) are tried first."""
        if not isinstance(trigger, (type, str, Agent, list)) and not callable(trigger) and trigger is not None:
            raise ValueError("trigger must be a class, a string, an agent, a callable or a list of these")
        if remove_other_reply_funcs:
            self._reply_func_list.clear()
        self._reply_func_list.insert(position, {
            "trigger": trigger, "reply_func": reply_func, "config": config, "init_config": config,
            "reset_config": reset_config, "ignore_async_in_sync_chat": ignore_async_in_sync_chat
            and inspect.iscoroutinefunction(reply_func),
        })

    def replace_reply_func(self, old_reply_func: Callable[..., Any], new_reply_func: Callable[..., Any]) -> None:
        for entry in self._reply_func_list:
            if entry["reply_func"] == old_reply_func:
                entry["reply_func"] = new_reply_func

    def register_hook(self, hookable_method: str, hook: Callable[..., Any]) -> None:
        if hookable_method not in self.hook_lists:
            raise ValueError(f"{hookable_method} is not a hookable method; choose one of {', '.join(HOOKABLE)}")
        if hook in self.hook_lists[hookable_method]:
            raise ValueError(f"{hook} is already registered as a hook.")
        self.hook_lists[hookable_method].append(hook)

    def generate_reply(
        self, messages: list[dict[str, Any]] | None = None, sender: Agent | None = None, exclude: tuple = ()
    ) -> str | dict[str, Any] | None:
        if messages is None and sender is None:
            raise AssertionError("Either messages or sender must be provided.")
        runtime.check_cancelled()
        if messages is None:
            messages = self._oai_messages[sender]
        messages = self._process_messages_before_reply(messages)
        in_async_chat = async_chat.in_async_chat()
        for entry in self._reply_func_list:
            reply_func = entry["reply_func"]
            if reply_func in exclude or (inspect.iscoroutinefunction(reply_func) and not in_async_chat):
                continue
            if self._match_trigger(entry["trigger"], sender):
                final, reply = async_chat.resolve(
                    reply_func(self, messages=messages, sender=sender, config=entry["config"])
                )
                if final:
                    return reply
        return self._default_auto_reply

    def _match_trigger(self, trigger: Any, sender: Agent | None) -> bool:
        if trigger is None:
            return sender is None
        if isinstance(trigger, str):
            if sender is None:
                raise SenderRequired(f"A sender is required to match the trigger {trigger!r}")
            return trigger == sender.name
        if isinstance(trigger, type):
            return isinstance(sender, trigger)
        if isinstance(trigger, Agent):
            return trigger == sender
        if isinstance(trigger, list):
            return any(self._match_trigger(t, sender) for t in trigger)
        if callable(trigger):
            return bool(trigger(sender))
        raise ValueError(f"Unsupported trigger type: {type(trigger).__name__}")

    def _raise_on_async_reply_functions(self) -> None:
        if async_chat.in_async_chat():
            return
        names = [
            e["reply_func"].__name__ for e in self._reply_func_list
            if inspect.iscoroutinefunction(e["reply_func"]) and not e["ignore_async_in_sync_chat"]
        ]
        if names:
            raise RuntimeError(
                "Async reply functions can only be used with ConversableAgent.a_initiate_chat(). The following "
                f"async reply functions are found: {', '.join(names)}"
            )

    def _process_message_before_send(self, message: Any, recipient: Agent, silent: bool) -> Any:
        for hook in self.hook_lists["process_message_before_send"]:
            message = hook(sender=self, message=message, recipient=recipient, silent=silent)
        return message

    def _process_messages_before_reply(self, messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
        for hook in self.hook_lists["process_all_messages_before_reply"]:
            messages = hook(messages)
        if messages and self.hook_lists["process_last_received_message"]:
            last = message_to_dict(messages[-1])
            text = last.get("content")
            for hook in self.hook_lists["process_last_received_message"]:
                text = hook(text)
            messages = [*messages[:-1], {**last, "content": text}]
        return messages

    # -- termination helpers used by chats ----------------------------------------------------------
    def is_termination_msg(self, message: dict[str, Any]) -> bool:
        return self._is_termination_msg(message)

    def termination_reason(self, message: dict[str, Any], sender_name: str, default: str) -> str:
        """Why ``message`` ended the chat. A check may say it in its own words through a
        ``describe(message, sender_name) -> str | None`` method (not part of AutoGen; plain functions keep ``default``)."""
        describe = getattr(self._is_termination_msg, "describe", None)
        return (describe(message, sender_name) if callable(describe) else None) or default

    def _prepare_chat(self, recipient: ConversableAgent, clear_history: bool, prepare_recipient: bool = True, reply_at_receive: bool = True) -> None:
        self.reset_consecutive_auto_reply_counter(recipient)
        self.reply_at_receive[recipient] = reply_at_receive
        self.stop_reason = ""
        if clear_history:
            self.clear_history(recipient)
            self._human_input = []
        if prepare_recipient:
            recipient._prepare_chat(self, clear_history, False, reply_at_receive)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(name={self.name!r})"


if sys.getrecursionlimit() < 10_000:
    # send -> receive -> generate_reply -> send ... recurses once per message, as in AutoGen; long chats
    # would otherwise hit Python's default limit of 1,000 frames.
    sys.setrecursionlimit(10_000)
