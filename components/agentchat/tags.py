"""AutoGen's ``parse_tags_from_content``: HTML-style tags such as ``<img http://x/a.png>`` in a message."""

from __future__ import annotations

import re
from typing import Any

_ATTRIBUTE = re.compile(r"""([^\s=]+)=(?:"([^"]*)"|'([^']*)')""")


def parse_tags_from_content(tag: str, content: str | list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every ``<tag ...>`` in ``content`` (text, or the text parts of a multimodal list), as
    ``{"tag": tag, "attr": {...}, "match": re.Match}``. Quoted ``key="value"`` pairs become attributes;
    the remaining words become ``attr["src"]``: ``<img a.png>`` -> ``{"src": "a.png"}``."""
    if isinstance(content, str):
        texts = [content]
    elif isinstance(content, list):
        texts = [p["text"] for p in content if isinstance(p, dict) and p.get("type") == "text" and isinstance(p.get("text"), str)]
    else:
        raise ValueError(f"content must be str or list, but got {type(content).__name__}")
    pattern = re.compile(f"<{re.escape(tag)} (.*?)>")
    found = []
    for text in texts:
        for match in pattern.finditer(text):
            found.append({"tag": tag, "attr": _attributes(match.group(1).strip()), "match": match})
    return found


def _attributes(inside: str) -> dict[str, str]:
    attrs: dict[str, str] = {}
    for m in _ATTRIBUTE.finditer(inside):
        attrs[m.group(1)] = m.group(2) if m.group(2) is not None else m.group(3)
    rest = " ".join(_ATTRIBUTE.sub(" ", inside).split())
    if rest:
        attrs["src"] = rest
    return attrs
