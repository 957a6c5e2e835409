"""Finding code in messages, as AutoGen does (same pattern, same return shapes)."""

from __future__ import annotations

import re
from typing import Any

CODE_BLOCK_PATTERN = r"```[ \t]*(\w+)?[ \t]*\r?\n(.*?)\r?\n[ \t]*```"
UNKNOWN = "unknown"
_SINGLE_LINE = re.compile(r"`([^`]+)`")


def content_str(content: Any) -> str:
    """Text of a message's content: a string, None, or a list of multimodal parts."""
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        parts = []
        for item in content:
            if isinstance(item, dict) and item.get("type") == "text":
                parts.append(item.get("text", ""))
            elif isinstance(item, dict) and item.get("type") == "image_url":
                parts.append("<image>")
            else:
                raise TypeError(f"Wrong content format: unknown part {item!r}")
        return " ".join(parts)
    raise TypeError(f"content must be None, str, or list, but got {type(content).__name__}")


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
