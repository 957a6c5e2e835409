"""Draws a run's events as a conversation: one bubble per message, code runs as status blocks with their
output and images, tool calls as cards, speaker choices as quiet captions.

``Transcript.add(stored_event)`` appends to the page in order, so the same object serves the live view
(events arrive while the loop polls) and the replay (events come from the log at the chosen speed).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any

import streamlit as st

from components.coding.extract import content_str
from components.events import (
    Artifact,
    ChatFinished,
    ChatStarted,
    CodeFinished,
    CodeStarted,
    ErrorRaised,
    InputGiven,
    InputRequested,
    MessageSent,
    Notice,
    SpeakerSelected,
    ToolCall,
    ToolResult,
)
from storage.eventlog import StoredEvent
from studio.render.avatars import HUMAN_COLOR, agent_color, avatar_uri
from studio.runs.files import RunFiles

_IMAGE_MIMES = ("image/png", "image/jpeg", "image/gif", "image/svg+xml", "image/webp")
_HUMAN = "human"


@dataclass
class Transcript:
    """Renders events into ``container``; ``members`` (team order) fixes each agent's colour.

    ``files`` reads the run's artifacts from the run's own folder; without it they are only named.
    """

    container: Any
    members: list[str]
    key_prefix: str = "t"
    files: RunFiles | None = None
    _status: dict[str, Any] = field(default_factory=dict)
    _calls: dict[str, ToolCall] = field(default_factory=dict)
    _avatars: dict[str, str] = field(default_factory=dict)
    _chats: int = 0

    def add_all(self, events: list[StoredEvent]) -> None:
        for stored in events:
            self.add(stored)

    def add(self, stored: StoredEvent) -> None:
        event = stored.event
        with self.container:
            match event:
                case MessageSent():
                    self._message(event)
                case SpeakerSelected():
                    st.caption(f":material/record_voice_over: next speaker: **{event.speaker}** · {event.reason}")
                case CodeStarted():
                    self._code_started(event)
                case CodeFinished():
                    self._code_finished(event, stored.seq)
                case ToolCall():
                    self._calls[event.call_id] = event
                case ToolResult():
                    self._tool_result(event)
                case InputRequested():
                    with st.chat_message(_HUMAN, avatar=self._avatar(_HUMAN)):
                        st.markdown(f"**{event.agent}** asks you:")
                        st.markdown(f"> {event.prompt}")
                case InputGiven():
                    self._input_given(event)
                case ErrorRaised():
                    who = f"**{event.agent}**: " if event.agent else ""
                    if event.retryable:
                        st.warning(f"{who}{event.message} (trying again)", icon=":material/sync_problem:")
                    else:
                        st.error(f"{who}{event.message}", icon=":material/error:")
                case Notice():
                    st.info(event.message, icon=":material/info:")
                case ChatStarted():
                    self._chats += 1
                    if self._chats > 1:
                        st.divider()
                    st.caption(f":material/forum: **{event.initiator}** starts a conversation with **{event.recipient}**")
                case ChatFinished():
                    text = f"Conversation finished: {event.reason}." if event.reason else "Conversation finished."
                    st.success(text, icon=":material/flag:")
                    if event.summary.strip():
                        st.markdown(f"**Summary:** {event.summary.strip()}")

    # -- pieces ----------------------------------------------------------------------------------------
    def _avatar(self, name: str) -> str:
        if name not in self._avatars:
            color = HUMAN_COLOR if name == _HUMAN else agent_color(name, self.members)
            self._avatars[name] = avatar_uri("You" if name == _HUMAN else name, color)
        return self._avatars[name]

    def _message(self, event: MessageSent) -> None:
        text = content_str(event.content) if event.content is not None else ""
        with st.chat_message(event.sender, avatar=self._avatar(event.sender)):
            title = f"**{event.sender}** :gray[→ {event.recipient}]"
            if text and not event.tool_responses and not text.startswith("exitcode:"):
                st.markdown(f"{title}\n\n{text}")  # one element per plain message: cheaper to draw
                text = ""
            else:
                st.markdown(title)
            if event.tool_responses:
                st.caption(f"sends back {len(event.tool_responses)} tool result(s)")
            elif text.startswith("exitcode:"):
                first, _, rest = text.partition("\n")
                ok = "succeeded" in first
                st.markdown(f"{':material/check_circle:' if ok else ':material/cancel:'} reports the code result: `{first}`")
                if rest.strip():
                    with st.expander("what the team sees"):
                        st.code(rest, language="text")
            elif not event.content and not event.tool_calls:
                st.caption("(empty message)")
            for call in event.tool_calls or []:
                function = call.get("function", {})
                with st.expander(f":material/build: asks to call `{function.get('name', '?')}`"):
                    st.code(_pretty_json(function.get("arguments", "")), language="json")

    def _code_started(self, event: CodeStarted) -> None:
        sandbox = "in Docker" if event.executor == "docker" else "on this machine"
        status = st.status(f"**{event.agent}** runs {event.language} code {sandbox}…", state="running", expanded=False)
        with status:
            st.code(event.code, language=_lexer(event.language))
        self._status[event.exec_id] = status

    def _code_finished(self, event: CodeFinished, seq: int) -> None:
        status = self._status.pop(event.exec_id, None)
        if status is None:  # started before the part of the log we show
            status = st.status("", expanded=False)
        ok = event.exit_code == 0
        label = (
            f"**{event.agent}** ran {event.language} code · "
            f"{'exit 0' if ok else f'failed with exit code {event.exit_code}'} · {event.duration_s:.2f} s"
        )
        status.update(label=label, state="complete" if ok else "error", expanded=False)
        if not event.output.strip():
            st.caption("(no output)")
        elif ok:
            st.code(event.output, language="text")
        else:
            st.error(f"Output of the failed run:\n```\n{event.output.rstrip()}\n```", icon=":material/error:")
        for index, artifact in enumerate(event.artifacts):
            self._artifact(event.work_dir, artifact, f"{self.key_prefix}-dl-{seq}-{index}")

    def _artifact(self, work_dir: str, artifact: Artifact, key: str) -> None:
        """An image, or a download; only bytes read from the run's own folder, never through a link."""
        data = self.files.read(work_dir, artifact) if self.files is not None else None
        if data is None:
            st.caption(f":material/draft: {artifact.path} ({artifact.size} bytes, not available here)")
        elif artifact.mime == "image/svg+xml":
            markup = _svg_markup(data)
            if markup is None:
                st.caption(f":material/draft: {artifact.path} ({artifact.size} bytes, not an SVG image)")
            else:
                st.image(markup, caption=artifact.path, width=560)
        elif artifact.mime in _IMAGE_MIMES:
            st.image(data, caption=artifact.path, width=560)
        else:
            st.download_button(
                f"Download {artifact.path} ({_size(len(data))})", data=data,
                file_name=PurePosixPath(artifact.path).name, mime=artifact.mime, key=key, icon=":material/download:",
            )

    def _tool_result(self, event: ToolResult) -> None:
        call = self._calls.pop(event.call_id, None)
        arguments = call.arguments if call else ""
        icon = ":material/build:" if event.ok else ":material/error:"
        title = f"{icon} **{event.agent}** ran tool `{event.name}`" + ("" if event.ok else " (failed)")
        with st.expander(title, expanded=not event.ok):
            if arguments:
                st.caption("arguments")
                st.code(_pretty_json(arguments), language="json")
            st.caption("result")
            st.code(event.content, language="text")

    def _input_given(self, event: InputGiven) -> None:
        with st.chat_message(_HUMAN, avatar=self._avatar(_HUMAN)):
            if event.action == "exit":
                st.markdown("**You** ended the conversation (`exit`).")
            elif event.action == "skip":
                st.markdown(f"**You** let **{event.agent}** answer automatically.")
            else:
                st.markdown(f"**You** (as {event.agent}): {event.text}")


def _svg_markup(data: bytes) -> str | None:
    """The ``<svg ...>`` markup of an SVG file (its XML prolog dropped), or None.

    ``st.image`` takes a string as a path or URL unless it starts with ``<svg``: a file's text must never
    be read as a path.
    """
    text = data.decode("utf-8", errors="replace")
    start = text.find("<svg")
    return text[start:] if start >= 0 else None


def _pretty_json(text: str) -> str:
    try:
        return json.dumps(json.loads(text), indent=2, ensure_ascii=False)
    except (TypeError, ValueError):
        return str(text)


def _lexer(language: str) -> str:
    return {"sh": "bash", "shell": "bash", "js": "javascript", "py": "python"}.get(language, language)


def _size(size: int) -> str:
    return f"{size / 1024:.1f} KB" if size >= 1024 else f"{size} B"
