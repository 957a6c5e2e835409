"""A distinct colour and avatar per agent, stable for a run (by the agent's place in the team)."""

from __future__ import annotations

import base64
import hashlib
from html import escape

PALETTE = ("#4f46e5", "#0891b2", "#db2777", "#16a34a", "#ea580c", "#7c3aed", "#0d9488", "#ca8a04", "#dc2626", "#2563eb")
HUMAN_COLOR = "#475569"
MANAGER_COLOR = "#64748b"


def agent_color(name: str, members: list[str]) -> str:
    if name in members:
        return PALETTE[members.index(name) % len(PALETTE)]
    digest = int(hashlib.md5(name.encode()).hexdigest(), 16)
    return PALETTE[digest % len(PALETTE)]


def initials(name: str) -> str:
    parts = [p for p in name.replace("-", "_").split("_") if p]
    if len(parts) >= 2:
        return (parts[0][0] + parts[1][0]).upper()
    return name[:1].upper() or "?"


def avatar_uri(name: str, color: str) -> str:
    """An SVG data URI: a coloured disc with the agent's initials (st.chat_message takes it as avatar)."""
    label = initials(name) if name != "You" else "You"
    size = 30 if len(label) == 1 else 24 if len(label) == 2 else 20
    svg = (
        '<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64">'
        f'<circle cx="32" cy="32" r="32" fill="{color}"/>'
        f'<text x="32" y="{32 + size * 0.36:.0f}" font-family="Helvetica,Arial,sans-serif" font-size="{size}" '
        f'font-weight="700" fill="#ffffff" text-anchor="middle">{escape(label)}</text></svg>'
    )
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()
