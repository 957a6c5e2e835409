"""Draws a run's events as a conversation: one bubble per message, code runs as status blocks with their
output and images, tool calls as cards, speaker choices as quiet captions.

``Transcript.add(stored_event)`` appends to the page in order, so the same object serves the live view
(events arrive while the loop polls) and the replay (events come from the log at the chosen speed).
"""

from __future__ import annotations

import json
from collections.abc import Callable
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
from studio.render.safe_markdown import code_block
from studio.render.safe_markdown import safe_markdown as _md
from studio.runs.files import MAX_ARTIFACT_BYTES, RunFiles

SHOWN_CHARS = 6_000  # drawn at once; a 1 MB text takes about half a minute to appear in the browser
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
    _questions: dict[str, InputRequested] = field(default_factory=dict)
    _avatars: dict[str, str] = field(default_factory=dict)
    _chats: int = 0
    _seq: int = 0
    _opening: bool = False  # the next message opens the run: the person's task (or follow-up)
    _retrying: str | None = None  # the failure being retried, drawn once
    _part: int = 0

    def add_all(self, events: list[StoredEvent]) -> None:
        for stored in events:
            self.add(stored)

    def add(self, stored: StoredEvent) -> None:
        event = stored.event
        self._seq, self._part = stored.seq, 0
        with self.container:
            match event:
                case MessageSent():
                    self._message(event)
                case SpeakerSelected():
                    st.caption(_md(f":material/record_voice_over: next speaker: **{event.speaker}** · {event.reason}"))
                case CodeStarted():
                    self._code_started(event)
                case CodeFinished():
                    self._code_finished(event, stored.seq)
                case ToolCall():
                    self._calls[event.call_id] = event
                case ToolResult():
                    self._tool_result(event)
                case InputRequested():
                    self._input_requested(event)
                case InputGiven():
                    self._input_given(event)
                case ErrorRaised():
                    who = f"**{event.agent}**: " if event.agent else ""
                    if event.retryable and event.message == self._retrying:
                        pass  # the same failure again: one "trying again" is enough
                    elif event.retryable:
                        st.warning(_md(f"{who}{event.message} (trying again)"), icon=":material/sync_problem:")
                    else:
                        st.error(_md(f"{who}{event.message}"), icon=":material/error:")
                    self._retrying = event.message if event.retryable else None
                case Notice():
                    st.info(_md(event.message), icon=":material/info:")
                case ChatStarted():
                    self._chats += 1
                    self._opening = self._chats == 1
                    if self._chats > 1:
                        st.divider()
                    group = self.members and event.recipient not in self.members  # the group chat's manager
                    with_whom = "the group" if group else f"**{event.recipient}**"
                    st.caption(_md(f":material/forum: **{event.initiator}** starts a conversation with {with_whom}"))
                case ChatFinished():
                    text = f"Conversation finished: {event.reason}." if event.reason else "Conversation finished."
                    st.success(_md(text), icon=":material/flag:")
                    if event.summary.strip():
                        st.markdown(_md(f"**Summary:** {event.summary.strip()}"))

    # -- pieces ----------------------------------------------------------------------------------------
    def _long(self, text: str, draw: Callable[[str], None]) -> None:
        """Draw ``text`` with ``draw``; past SHOWN_CHARS only its start, with Show all and a download.

        The whole text stays stored and goes into every export; only the page draws less of it.
        """
        key = f"{self.key_prefix}-all-{self._seq}-{self._part}"
        self._part += 1
        if len(text) <= SHOWN_CHARS or st.session_state.get(key):
            draw(text)
            return
        cut = text.rfind("\n", 0, SHOWN_CHARS)
        cut = cut if cut > SHOWN_CHARS // 2 else SHOWN_CHARS
        draw(text[:cut])
        st.caption(f"{len(text) - cut:,} more characters are not drawn here; the whole text is stored and exported.")
        show, save = st.columns(2)
        show.button("Show all", key=f"{key}-show", icon=":material/unfold_more:", width="stretch",
                    on_click=st.session_state.__setitem__, args=(key, True))
        save.download_button(f"Download all ({_size(len(text.encode()))})", data=text, file_name=f"event-{self._seq}.txt",
                             mime="text/plain", key=f"{key}-download", icon=":material/download:", width="stretch")

    def _avatar(self, name: str) -> str:
        if name not in self._avatars:
            color = HUMAN_COLOR if name == _HUMAN else agent_color(name, self.members)
            self._avatars[name] = avatar_uri("You" if name == _HUMAN else name, color)
        return self._avatars[name]

    def _message(self, event: MessageSent) -> None:
        text = content_str(event.content) if event.content is not None else ""
        by_person, self._opening = self._opening, False
        # A member's message to the group chat's manager goes to everyone: no "→ chat_manager" on each one.
        to = "to the group" if self.members and event.recipient not in self.members else f"→ {event.recipient}"
        author = _HUMAN if by_person else event.sender
        with st.chat_message(author, avatar=self._avatar(author)):
            title = (f"**You** :gray[{to}, through {event.sender}]" if by_person
                     else f"**{event.sender}** :gray[{to}]")
            if text and not event.tool_responses and not text.startswith("exitcode:"):
                self._long(text, lambda shown: st.markdown(_md(f"{title}\n\n{shown}")))  # one element: cheaper
                text = ""
            else:
                st.markdown(_md(title))
            if event.tool_responses:
                st.caption(f"sends back {len(event.tool_responses)} tool result(s)")
            elif text.startswith("exitcode:"):
                first, _, rest = text.partition("\n")
                ok = "succeeded" in first
                st.markdown(_md(f"{':material/check_circle:' if ok else ':material/cancel:'} reports the code result: `{first}`"))
                if rest.strip():
                    with st.expander("what the team sees"):
                        self._long(rest, lambda shown: st.code(shown, language="text"))
            elif not event.content and not event.tool_calls:
                st.caption("(empty message)")
            for call in event.tool_calls or []:
                function = call.get("function", {})
                with st.expander(_md(f":material/build: asks to call `{function.get('name', '?')}`")):
                    st.code(_pretty_json(function.get("arguments", "")), language="json")

    def _code_started(self, event: CodeStarted) -> None:
        sandbox = "in Docker" if event.executor == "docker" else "on this machine"
        status = st.status(_md(f"**{event.agent}** runs {event.language} code {sandbox}…"), state="running", expanded=False)
        with status:
            self._long(event.code, lambda shown: st.code(shown, language=_lexer(event.language)))
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
        status.update(label=_md(label), state="complete" if ok else "error", expanded=False)
        if not event.output.strip():
            st.caption("(no output)")
        elif ok:
            self._long(event.output, lambda shown: st.code(shown, language="text"))
        else:
            st.error(_md("Output of the failed run:\n" + code_block(event.output.rstrip())), icon=":material/error:")
        for index, artifact in enumerate(event.artifacts):
            self._artifact(event.work_dir, artifact, f"{self.key_prefix}-dl-{seq}-{index}")

    def _artifact(self, work_dir: str, artifact: Artifact, key: str) -> None:
        """An image, or a download; only bytes read from the run's own folder, never through a link."""
        data = self.files.read(work_dir, artifact) if self.files is not None else None
        if data is None:
            size = self.files.size(work_dir, artifact) if self.files is not None else None
            why = "not available here" if size is None else f"larger than the {_size(MAX_ARTIFACT_BYTES)} shown here"
            st.caption(_md(f":material/draft: {artifact.path} ({artifact.size} bytes, {why})"))
        elif artifact.mime == "image/svg+xml":
            markup = _svg_markup(data)
            if markup is None:
                st.caption(_md(f":material/draft: {artifact.path} ({artifact.size} bytes, not an SVG image)"))
            else:
                st.image(markup, caption=artifact.path, width=560)
                self._download(artifact, data, key, type="tertiary")
        elif artifact.mime in _IMAGE_MIMES:
            st.image(data, caption=artifact.path, width=560)
            self._download(artifact, data, key, type="tertiary")  # the Plot maker promises a file to keep
        else:
            self._download(artifact, data, key)

    @staticmethod
    def _download(artifact: Artifact, data: bytes, key: str, **button: Any) -> None:
        st.download_button(
            _md(f"Download {artifact.path} ({_size(len(data))})"), data=data, file_name=PurePosixPath(artifact.path).name,
            mime=artifact.mime, key=key, icon=":material/download:", **button,
        )

    def _tool_result(self, event: ToolResult) -> None:
        call = self._calls.pop(event.call_id, None)
        arguments = call.arguments if call else ""
        icon = ":material/build:" if event.ok else ":material/error:"
        title = f"{icon} **{event.agent}** ran tool `{event.name}`" + ("" if event.ok else " (failed)")
        with st.expander(_md(title), expanded=not event.ok):
            if arguments:
                st.caption("arguments")
                st.code(_pretty_json(arguments), language="json")
            st.caption("result")
            self._long(event.content, lambda shown: st.code(shown, language="text"))

    def _input_requested(self, event: InputRequested) -> None:
        self._questions[event.request_id] = event
        with st.chat_message(_HUMAN, avatar=self._avatar(_HUMAN)):
            if event.tool_calls:
                names = ", ".join(dict.fromkeys(call.name for call in event.tool_calls))
                st.markdown(_md(f"**{event.sender or event.agent}** asks you to approve running **{names}**."))
            elif event.standard_prompt:  # AutoGen's console wording: the page's buttons say it better
                st.markdown(_md(f"**{event.agent}** asks you for an answer."))
            else:
                st.markdown(_md(f"**{event.agent}** asks you:"))
                st.markdown(_md(f"> {event.prompt}"))

    def _input_given(self, event: InputGiven) -> None:
        question = self._questions.get(event.request_id)
        tools = ", ".join(dict.fromkeys(c.name for c in question.tool_calls)) if question else ""
        with st.chat_message(_HUMAN, avatar=self._avatar(_HUMAN)):
            if event.action == "exit":
                st.markdown("**You** ended the conversation (`exit`).")
            elif event.action == "skip" and tools:
                st.markdown(_md(f"**You** approved running **{tools}**."))
            elif event.action == "skip":
                st.markdown(_md(f"**You** let **{event.agent}** answer automatically."))
            elif tools:
                st.markdown(_md(f"**You** (as {event.agent}), instead of running **{tools}**: {event.text}"))
            else:
                st.markdown(_md(f"**You** (as {event.agent}): {event.text}"))


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
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.1f} MB"
    return f"{size / 1024:.1f} KB" if size >= 1024 else f"{size} B"
