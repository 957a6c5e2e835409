"""Roundtable's conversation engine: the AutoGen 0.2 programming model on litellm.

    from components import AssistantAgent, UserProxyAgent, GroupChat, GroupChatManager, CodeExecutionConfig

Everything that happens is published as a typed event (``components.events``) on the current run's bus
(``components.runtime``); nothing here prints, renders or stores.
"""

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
from components.coding.utils import create_virtual_env, execute_code, in_docker_container, is_docker_running
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


def __getattr__(name: str):  # type: ignore[no-untyped-def]
    """Lazy export: the Docker SDK is imported only when the Docker executor is asked for."""
    if name == "DockerCommandLineCodeExecutor":
        from components.coding.docker_executor import DockerCommandLineCodeExecutor

        return DockerCommandLineCodeExecutor
    raise AttributeError(f"module 'components' has no attribute {name!r}")


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
