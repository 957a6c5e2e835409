"""Finding code in messages, as AutoGen does (same pattern, same return shapes)."""

from __future__ import annotations

import re
from typing import Any

CODE_BLOCK_PATTERN = r"```[ \t]*(\w+)?[ \t]*\r?\n(.*?)\r?\n[ \t]*```"
UNKNOWN = "unknown"
_SINGLE_LINE = re.compile(r"`([^`]+)`")


_TEXT_PARTS = ("text", "input_text")
_IMAGE_PARTS = ("image_url", "input_image")
_CALL_PARTS = ("function", "tool_call", "tool_calls")


def content_str(content: Any) -> str:
    """Text of a message's content: a string, None, or a list of multimodal parts (joined by newlines).

    Images become ``<image>``, call parts ``<function: name>``; a part of any other type is a
    ``ValueError`` (it would otherwise vanish from what the model and the transcript see).
    """
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if not isinstance(content, list):
        raise TypeError(f"content must be None, str, or list, but got {type(content).__name__}")
    parts = []
    for item in content:
        if not isinstance(item, dict):
            raise TypeError(f"Wrong content format: every part of a list content must be a dict, got {item!r}")
        kind = item.get("type")
        if kind in _TEXT_PARTS:
            parts.append(str(item.get("text", "")))
        elif kind in _IMAGE_PARTS:
            parts.append("<image>")
        elif kind in _CALL_PARTS:
            parts.append(f"<function: {item['name']}>" if "name" in item else "<function>")
        else:
            raise ValueError(f"Wrong content format: unknown type {kind!r} within the content")
    return "\n".join(parts)


def message_text(content: Any) -> str:
    """Like ``content_str``, but any other value (a function's raw result, e.g. ``15``) becomes ``str(value)``."""
    if content is None or isinstance(content, (str, list)):
        return content_str(content)
    return str(content)


def extract_code(
    text: str | list[Any], pattern: str = CODE_BLOCK_PATTERN, detect_single_line_code: bool = False
) -> list[tuple[str, str]]:
    """Return ``[(language, code), ...]``; ``[("unknown", text)]`` when there is no code block.

    Unlabelled blocks get language "".
    """
    text = content_str(text)
    if not detect_single_line_code:
        matches = re.findall(pattern, text, flags=re.DOTALL)
        return matches if matches else [(UNKNOWN, text)]
    found: list[tuple[str, str]] = []
    for lang, code in re.findall(pattern, text, flags=re.DOTALL):
        found.append((lang.strip(), code.strip()))
    remainder = re.sub(pattern, "", text, flags=re.DOTALL)
    found.extend(("", code.strip()) for code in _SINGLE_LINE.findall(remainder))
    return found


def infer_lang(code: str) -> str:
    """``sh`` for shell-looking commands, ``python`` when it compiles, else ``unknown``."""
    if code.startswith("python ") or code.startswith("pip") or code.startswith("python3 "):
        return "sh"
    try:
        compile(code, "test", "exec")
        return "python"
    except (SyntaxError, ValueError):
        return UNKNOWN
