"""Typed events: the one stream the engine publishes, storage keeps and the studio renders.

Every event is a frozen pydantic model with a literal ``kind`` tag; ``Event`` is their discriminated
union and ``event_to_json`` / ``event_from_json`` are the one JSON codec used everywhere.
"""

from __future__ import annotations

import time
import uuid
from typing import Annotated, Any, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter


def new_id() -> str:
    """A short random id for correlating events (streams, executions, input requests)."""
    return uuid.uuid4().hex[:12]


class _EventBase(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    ts: float = Field(default_factory=time.time, description="Unix time the event was created.")


class ChatStarted(_EventBase):
    """A two-agent chat (or a chat with a group manager) begins."""

    kind: Literal["chat_started"] = "chat_started"
    chat_id: str
    initiator: str
    recipient: str
    max_turns: int | None = None


class MessageSent(_EventBase):
    """One message sent from an agent to another (group broadcasts are not repeated)."""

    kind: Literal["message"] = "message"
    sender: str
    recipient: str
    role: str
    content: Any = None
    name: str | None = None
    tool_calls: list[dict[str, Any]] | None = None
    function_call: dict[str, Any] | None = None
    tool_responses: list[dict[str, Any]] | None = None


class TokenDelta(_EventBase):
    """A piece of text streamed by the model while ``agent`` is writing a reply."""

    kind: Literal["token"] = "token"
    agent: str
    stream_id: str
    text: str


class SpeakerSelected(_EventBase):
    """The group chat manager chose who speaks next, and why."""

    kind: Literal["speaker_selected"] = "speaker_selected"
    speaker: str
    method: str
    reason: str = ""
    round: int = 0


class ToolCall(_EventBase):
    """An agent is about to execute a tool (function) the model asked for."""

    kind: Literal["tool_call"] = "tool_call"
    agent: str
    caller: str
    call_id: str
    name: str
    arguments: str


class ToolResult(_EventBase):
    """The result of a tool call; ``ok`` is False when the tool raised or was not found."""

    kind: Literal["tool_result"] = "tool_result"
    agent: str
    call_id: str
    name: str
    content: str
    ok: bool = True


class Artifact(BaseModel):
    """A file that code created or changed in its work dir."""

    model_config = ConfigDict(frozen=True)

    path: str = Field(description="Path relative to the execution's work dir.")
    mime: str
    size: int


class CodeStarted(_EventBase):
    kind: Literal["code_started"] = "code_started"
    agent: str
    exec_id: str
    language: str
    code: str
    executor: str = "local"


class CodeFinished(_EventBase):
    kind: Literal["code_finished"] = "code_finished"
    agent: str
    exec_id: str
    language: str
    exit_code: int
    output: str
    duration_s: float
    work_dir: str = ""
    artifacts: list[Artifact] = Field(default_factory=list)


SkipOutcome = Literal["auto_reply", "end", "empty"]


class PendingToolCall(BaseModel):
    """A tool call the model asked for that waits on the human's answer (approve, deny, or words)."""

    name: str
    arguments: str


class InputRequested(_EventBase):
    """An agent waits for a human: ``prompt`` is the question to show.

    ``tool_calls``: the calls that run only if the human lets the agent answer itself; ``on_skip``: what an
    empty answer does; ``standard_prompt``: ``prompt`` is AutoGen's console wording, which a page with
    buttons replaces by its own.
    """

    kind: Literal["input_requested"] = "input_requested"
    agent: str
    sender: str
    request_id: str
    prompt: str
    tool_calls: list[PendingToolCall] = Field(default_factory=list)
    on_skip: SkipOutcome = "auto_reply"
    standard_prompt: bool = False


class InputGiven(_EventBase):
    """The human answered; ``action`` says what the answer means to the agent."""

    kind: Literal["input_given"] = "input_given"
    agent: str
    request_id: str
    text: str
    action: Literal["reply", "skip", "exit"]


class Usage(_EventBase):
    """Tokens and cost of one LLM call (cost is None where litellm does not know the model's price)."""

    kind: Literal["usage"] = "usage"
    agent: str
    model: str
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost: float | None = None
    purpose: str = "reply"


class ErrorRaised(_EventBase):
    """Something went wrong. ``retryable`` events are followed by another attempt."""

    kind: Literal["error"] = "error"
    agent: str | None = None
    error_kind: str
    message: str
    retryable: bool = False


class Notice(_EventBase):
    """Something a person should know that is not an error (e.g. code runs locally, not in Docker)."""

    kind: Literal["notice"] = "notice"
    agent: str | None = None
    message: str


class ChatFinished(_EventBase):
    kind: Literal["chat_finished"] = "chat_finished"
    chat_id: str
    initiator: str
    recipient: str
    summary: str = ""
    reason: str = ""
    cost: dict[str, Any] = Field(default_factory=dict)


EVENT_TYPES: tuple[type[_EventBase], ...] = (
    ChatStarted, MessageSent, TokenDelta, SpeakerSelected, ToolCall, ToolResult, CodeStarted,
    CodeFinished, InputRequested, InputGiven, Usage, ErrorRaised, Notice, ChatFinished,
)
Event = Annotated[Union[EVENT_TYPES], Field(discriminator="kind")]  # type: ignore[valid-type]  # noqa: UP007
EVENT_KINDS: tuple[str, ...] = tuple(t.model_fields["kind"].default for t in EVENT_TYPES)

_ADAPTER: TypeAdapter[Event] = TypeAdapter(Event)


def event_to_json(event: Event) -> str:
    return event.model_dump_json()


def event_to_dict(event: Event) -> dict[str, Any]:
    return event.model_dump(mode="json")


def event_from_json(data: str | bytes) -> Event:
    return _ADAPTER.validate_json(data)


def event_from_dict(data: dict[str, Any]) -> Event:
    return _ADAPTER.validate_python(data)
