"""Roundtable's conversation engine: the AutoGen 0.2 programming model on litellm.

    from components import AssistantAgent, UserProxyAgent, GroupChat, GroupChatManager, CodeExecutionConfig

Everything that happens is published as a typed event (``components.events``) on the current run's bus
(``components.runtime``); nothing here prints, renders or stores.

The names below are imported when first used (PEP 562), so that ``import components.events`` (the
storage layer, the studio's first page) does not load the whole engine, and the Docker SDK loads only
with the Docker executor.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from components.lazy_exports import lazy_exports

if TYPE_CHECKING:
    from components.agentchat.assistant import AssistantAgent
    from components.agentchat.async_chat import a_initiate_chats
    from components.agentchat.chat import ChatResult, initiate_chats
    from components.agentchat.conversable import Agent, ConversableAgent
    from components.agentchat.function_schema import (
        get_function_schema,
        get_typed_annotation,
        get_typed_return_annotation,
        get_typed_signature,
        load_basemodels_if_needed,
        serialize_to_str,
    )
    from components.agentchat.groupchat import AgentNameConflictError, GroupChat
    from components.agentchat.manager import GroupChatManager
    from components.agentchat.tags import parse_tags_from_content
    from components.agentchat.tools import function_schema, register_function
    from components.agentchat.user_proxy import UserProxyAgent
    from components.coding.base import CodeBlock, CodeExecutor, CodeResult
    from components.coding.config import CodeExecutionConfig
    from components.coding.docker_executor import DockerCommandLineCodeExecutor
    from components.coding.extract import content_str, extract_code, infer_lang
    from components.coding.factory import CodeExecutorFactory
    from components.coding.functions import (
        Alias,
        FunctionWithRequirements,
        FunctionWithRequirementsStr,
        ImportFromModule,
        with_requirements,
    )
    from components.coding.local import LocalCommandLineCodeExecutor
    from components.coding.markdown import MarkdownCodeExtractor
    from components.coding.utils import (
        create_virtual_env,
        execute_code,
        in_docker_container,
        is_docker_running,
    )
    from components.errors import (
        InvalidCarryOverTypeError,
        LLMError,
        NoEligibleSpeaker,
        NoEligibleSpeakerError,
        RunCancelled,
        SenderRequiredError,
        UndefinedNextAgentError,
    )
    from components.events import (
        Artifact,
        ChatFinished,
        ChatStarted,
        CodeFinished,
        CodeStarted,
        ErrorRaised,
        Event,
        InputGiven,
        InputRequested,
        MessageSent,
        Notice,
        SpeakerSelected,
        TokenDelta,
        ToolCall,
        ToolResult,
        Usage,
        event_from_json,
        event_to_json,
    )
    from components.io import AsyncThreadIOStream, IOConsole, IOStream, ThreadIOStream
    from components.llm.llm_config import LLMConfig
    from components.memory.text_transforms import TextMessageCompressor, TextMessageContentName
    from components.memory.transforms import (
        MessageHistoryLimiter,
        MessageTokenLimiter,
        TransformMessages,
        limit_context,
    )
    from components.runtime import CancellationToken, EventBus, InputRequest, default_bus, run_context

# name -> the module that defines it (tests/engine/test_package_exports.py checks it)
_EXPORTS: dict[str, str] = {
    **dict.fromkeys(["AssistantAgent"], "components.agentchat.assistant"),
    **dict.fromkeys(["a_initiate_chats"], "components.agentchat.async_chat"),
    **dict.fromkeys(["ChatResult", "initiate_chats"], "components.agentchat.chat"),
    **dict.fromkeys(["Agent", "ConversableAgent"], "components.agentchat.conversable"),
    **dict.fromkeys([
        "get_function_schema", "get_typed_annotation", "get_typed_return_annotation",
        "get_typed_signature", "load_basemodels_if_needed", "serialize_to_str",
    ], "components.agentchat.function_schema"),
    **dict.fromkeys(["AgentNameConflictError", "GroupChat"], "components.agentchat.groupchat"),
    **dict.fromkeys(["GroupChatManager"], "components.agentchat.manager"),
    **dict.fromkeys(["parse_tags_from_content"], "components.agentchat.tags"),
    **dict.fromkeys(["function_schema", "register_function"], "components.agentchat.tools"),
    **dict.fromkeys(["UserProxyAgent"], "components.agentchat.user_proxy"),
    **dict.fromkeys(["CodeBlock", "CodeExecutor", "CodeResult"], "components.coding.base"),
    **dict.fromkeys(["CodeExecutionConfig"], "components.coding.config"),
    **dict.fromkeys(["content_str", "extract_code", "infer_lang"], "components.coding.extract"),
    **dict.fromkeys(["CodeExecutorFactory"], "components.coding.factory"),
    **dict.fromkeys([
        "Alias", "FunctionWithRequirements", "FunctionWithRequirementsStr", "ImportFromModule",
        "with_requirements",
    ], "components.coding.functions"),
    **dict.fromkeys(["LocalCommandLineCodeExecutor"], "components.coding.local"),
    **dict.fromkeys(["MarkdownCodeExtractor"], "components.coding.markdown"),
    **dict.fromkeys([
        "create_virtual_env", "execute_code", "in_docker_container", "is_docker_running",
    ], "components.coding.utils"),
    **dict.fromkeys([
        "InvalidCarryOverTypeError", "LLMError", "NoEligibleSpeaker", "NoEligibleSpeakerError",
        "RunCancelled", "SenderRequiredError", "UndefinedNextAgentError",
    ], "components.errors"),
    **dict.fromkeys([
        "Artifact", "ChatFinished", "ChatStarted", "CodeFinished", "CodeStarted", "ErrorRaised",
        "Event", "InputGiven", "InputRequested", "MessageSent", "Notice", "SpeakerSelected",
        "TokenDelta", "ToolCall", "ToolResult", "Usage", "event_from_json", "event_to_json",
    ], "components.events"),
    **dict.fromkeys(["AsyncThreadIOStream", "IOConsole", "IOStream", "ThreadIOStream"], "components.io"),
    **dict.fromkeys(["LLMConfig"], "components.llm.llm_config"),
    **dict.fromkeys(["TextMessageCompressor", "TextMessageContentName"], "components.memory.text_transforms"),
    **dict.fromkeys([
        "MessageHistoryLimiter", "MessageTokenLimiter", "TransformMessages", "limit_context",
    ], "components.memory.transforms"),
    **dict.fromkeys([
        "CancellationToken", "EventBus", "InputRequest", "default_bus", "run_context",
    ], "components.runtime"),
    **dict.fromkeys(["DockerCommandLineCodeExecutor"], "components.coding.docker_executor"),
}


__getattr__, __dir__ = lazy_exports(__name__, globals(), _EXPORTS)

__all__ = [
    "Agent",
    "AgentNameConflictError",
    "Alias",
    "Artifact",
    "AssistantAgent",
    "AsyncThreadIOStream",
    "CancellationToken",
    "ChatFinished",
    "ChatResult",
    "ChatStarted",
    "CodeBlock",
    "CodeExecutionConfig",
    "CodeExecutor",
    "CodeExecutorFactory",
    "CodeFinished",
    "CodeResult",
    "CodeStarted",
    "ConversableAgent",
    "DockerCommandLineCodeExecutor",
    "ErrorRaised",
    "Event",
    "EventBus",
    "FunctionWithRequirements",
    "FunctionWithRequirementsStr",
    "GroupChat",
    "GroupChatManager",
    "IOConsole",
    "IOStream",
    "ImportFromModule",
    "InputGiven",
    "InputRequest",
    "InputRequested",
    "InvalidCarryOverTypeError",
    "LLMConfig",
    "LLMError",
    "LocalCommandLineCodeExecutor",
    "MarkdownCodeExtractor",
    "MessageHistoryLimiter",
    "MessageSent",
    "MessageTokenLimiter",
    "NoEligibleSpeaker",
    "NoEligibleSpeakerError",
    "Notice",
    "RunCancelled",
    "SenderRequiredError",
    "SpeakerSelected",
    "TextMessageCompressor",
    "TextMessageContentName",
    "ThreadIOStream",
    "TokenDelta",
    "ToolCall",
    "ToolResult",
    "TransformMessages",
    "UndefinedNextAgentError",
    "Usage",
    "UserProxyAgent",
    "a_initiate_chats",
    "content_str",
    "create_virtual_env",
    "default_bus",
    "event_from_json",
    "event_to_json",
    "execute_code",
    "extract_code",
    "function_schema",
    "get_function_schema",
    "get_typed_annotation",
    "get_typed_return_annotation",
    "get_typed_signature",
    "in_docker_container",
    "infer_lang",
    "initiate_chats",
    "is_docker_running",
    "limit_context",
    "load_basemodels_if_needed",
    "parse_tags_from_content",
    "register_function",
    "run_context",
    "serialize_to_str",
    "with_requirements",
]
