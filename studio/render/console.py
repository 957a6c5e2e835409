"""The conversation as plain text, for the terminal (``python -m studio run``)."""

from __future__ import annotations

from components.coding.extract import content_str
from components.events import (
    ChatFinished,
    ChatStarted,
    CodeFinished,
    CodeStarted,
    ErrorRaised,
    Event,
    InputGiven,
    MessageSent,
    Notice,
    SpeakerSelected,
    ToolResult,
)


def console_text(event: Event) -> str | None:
    """A printable rendering of ``event``, or None for events a reader need not see (tokens, usage)."""
    match event:
        case ChatStarted():
            return f"=== {event.initiator} starts a conversation with {event.recipient} ==="
        case MessageSent():
            text = content_str(event.content) if event.content is not None else ""
            calls = "".join(
                f"\n  [calls {c.get('function', {}).get('name')}({c.get('function', {}).get('arguments')})]"
                for c in event.tool_calls or []
            )
            return f"\n--- {event.sender} -> {event.recipient} ---\n{text}{calls}"
        case SpeakerSelected():
            return f"  (next speaker: {event.speaker}, {event.reason})"
        case CodeStarted():
            where = "in Docker" if event.executor == "docker" else "locally"
            return f">>> {event.agent} runs {event.language} code {where}..."
        case CodeFinished():
            files = "".join(f"\n  file: {a.path} ({a.mime}, {a.size} bytes)" for a in event.artifacts)
            return f"<<< exit code {event.exit_code} after {event.duration_s:.2f} s\n{event.output.rstrip()}{files}"
        case ToolResult():
            return f"  [tool {event.name} -> {event.content}]"
        case InputGiven():
            return f"  (human answered {event.agent}: {event.text!r})"
        case ErrorRaised():
            return f"!!! {'retrying: ' if event.retryable else ''}{event.message}"
        case Notice():
            return f"note: {event.message}"
        case ChatFinished():
            summary = f"\nsummary: {event.summary.strip()}" if event.summary.strip() else ""
            return f"=== finished: {event.reason} ==={summary}"
    return None
