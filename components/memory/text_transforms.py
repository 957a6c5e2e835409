"""Transforms that rewrite message text: AutoGen's ``TextMessageCompressor`` and ``TextMessageContentName``.

    TransformMessages([TextMessageCompressor(text_compressor=my_compressor)]).add_to_agent(agent)

A compressor is any object with ``compress_text(text, **params) -> {"compressed_prompt": ...,
"origin_tokens": n, "compressed_tokens": m}`` (AutoGen's ``TextCompressor`` protocol). AutoGen defaults
to LLMLingua, a model download; Roundtable ships none, so one must be given.
"""

from __future__ import annotations

import copy
from typing import Any, Protocol

from components.memory.transforms import count_tokens, matches_filter


class TextCompressor(Protocol):
    def compress_text(self, text: str, **compression_params: Any) -> dict[str, Any]: ...


class TextMessageCompressor:
    def __init__(
        self,
        text_compressor: TextCompressor | None = None,
        min_tokens: int | None = None,
        compression_params: dict[str, Any] | None = None,
        cache: Any = None,
        filter_dict: dict[str, Any] | None = None,
        exclude_filter: bool = True,
    ) -> None:
        if text_compressor is None:
            raise ValueError(
                "TextMessageCompressor needs a text_compressor: an object with compress_text(text, **params) "
                'returning {"compressed_prompt": ...}. (AutoGen\'s default, LLMLingua, is not bundled.)'
            )
        if min_tokens is not None and min_tokens <= 0:
            raise ValueError(f"min_tokens must be greater than 0 or None, got {min_tokens!r}")
        self._text_compressor = text_compressor
        self._min_tokens = min_tokens
        self._compression_params = dict(compression_params or {})
        self._cache: dict[str, tuple[Any, int]] = {}  # text -> (compressed, savings); ``cache`` is accepted, unused
        self._filter_dict = filter_dict
        self._exclude_filter = exclude_filter
        self._recent_tokens_savings = 0

    def apply_transform(self, messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
        if not messages or (self._min_tokens and count_tokens(messages) < self._min_tokens):
            return messages
        savings = 0
        out = []
        for message in messages:
            content = message.get("content")
            if not content or not isinstance(content, (str, list)) or not matches_filter(message, self._filter_dict, self._exclude_filter):
                out.append(message)
                continue
            message = copy.deepcopy(message)
            if isinstance(content, str):
                message["content"], saved = self._compress(content)
            else:
                saved = 0
                for part in message["content"]:
                    if isinstance(part, dict) and isinstance(part.get("text"), str):
                        part["text"], part_saved = self._compress(part["text"])
                        saved += part_saved
            savings += saved
            out.append(message)
        self._recent_tokens_savings = savings
        return out

    def _compress(self, text: str) -> tuple[str, int]:
        if text in self._cache:
            return self._cache[text]
        result = self._text_compressor.compress_text(text, **self._compression_params)
        compressed = result.get("compressed_prompt", result.get("compressed_text", text))
        saved = int(result.get("origin_tokens", 0)) - int(result.get("compressed_tokens", 0)) if (
            "origin_tokens" in result and "compressed_tokens" in result
        ) else 0
        self._cache[text] = (compressed, saved)
        return compressed, saved

    def get_logs(self, pre_transform_messages: list[dict[str, Any]], post_transform_messages: list[dict[str, Any]]) -> tuple[str, bool]:
        if self._recent_tokens_savings > 0:
            return f"{self._recent_tokens_savings} tokens saved with text compression.", True
        return "No tokens saved with text compression.", False


class TextMessageContentName:
    """Put the sender's name into each message's text (``"{name}:\\n"`` at the start by default), so a
    model that ignores the ``name`` field still knows who said what."""

    def __init__(
        self,
        position: str = "start",
        format_string: str = "{name}:\n",
        deduplicate: bool = True,
        filter_dict: dict[str, Any] | None = None,
        exclude_filter: bool = True,
    ) -> None:
        if position not in ("start", "end"):
            raise ValueError(f"position must be 'start' or 'end', got {position!r}")
        if not isinstance(format_string, str) or "{name}" not in format_string:
            raise ValueError(f"format_string must contain '{{name}}', got {format_string!r}")
        self._position = position
        self._format_string = format_string
        self._deduplicate = deduplicate
        self._filter_dict = filter_dict
        self._exclude_filter = exclude_filter
        self._messages_changed = 0

    def apply_transform(self, messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
        changed = 0
        out = []
        for message in messages:
            content, name = message.get("content"), message.get("name")
            if not (isinstance(content, str) and content and isinstance(name, str) and name) or not matches_filter(
                message, self._filter_dict, self._exclude_filter
            ):
                out.append(message)
                continue
            label = self._format_string.format(name=name)
            if self._position == "start" and not (self._deduplicate and content.startswith(label)):
                message, changed = {**message, "content": label + content}, changed + 1
            elif self._position == "end" and not (self._deduplicate and content.endswith(label)):
                message, changed = {**message, "content": content + label}, changed + 1
            out.append(message)
        self._messages_changed = changed
        return out

    def get_logs(self, pre_transform_messages: list[dict[str, Any]], post_transform_messages: list[dict[str, Any]]) -> tuple[str, bool]:
        if self._messages_changed > 0:
            return f"{self._messages_changed} message(s) changed to incorporate name.", True
        return "No messages changed to incorporate name.", False
