"""Saving an agent's conversation state to JSON and restoring it, so a conversation can be continued.

The state holds what the agent remembers: its histories per peer (by peer name), its auto-reply counters
and limits, and the human input it received. Peers are agents, so restoring needs them by name.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from components.agentchat.conversable import Agent, ConversableAgent

STATE_VERSION = 1


def save_state(agent: ConversableAgent, path: str | Path | None = None) -> dict[str, Any]:
    """The agent's state as a JSON-ready dict; also written to ``path`` when given."""
    state = {
        "version": STATE_VERSION,
        "name": agent.name,
        "system_message": agent.system_message,
        "chat_messages": {peer.name: list(history) for peer, history in agent.chat_messages.items()},
        "consecutive_auto_reply_counter": {p.name: n for p, n in agent._consecutive_auto_reply_counter.items()},
        "max_consecutive_auto_reply": {p.name: n for p, n in agent._max_consecutive_auto_reply_dict.items()},
        "human_input": list(agent._human_input),
    }
    if path is not None:
        # default=str: a function's raw result kept in a history (a date, say) is saved as its text
        Path(path).write_text(json.dumps(state, ensure_ascii=False, indent=2, default=str), encoding="utf-8")
    return state


def load_state(agent: ConversableAgent, state: dict[str, Any] | str | Path, peers: Iterable[Agent] = ()) -> None:
    """Restore ``state`` (a dict, or a path to a JSON file) into ``agent``; ``peers`` are the agents it talked to."""
    if not isinstance(state, dict):
        path = Path(state)
        try:
            state = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            raise ValueError(f"cannot read agent state from {path}: {exc}") from exc
    if state.get("version") != STATE_VERSION or "chat_messages" not in state:
        raise ValueError(f"not a Roundtable agent state (version {STATE_VERSION} expected): keys {sorted(state)[:6]}")
    by_name = {p.name: p for p in peers}
    missing = sorted(set(state["chat_messages"]) - set(by_name))
    if missing:
        raise ValueError(
            f"cannot restore {agent.name}'s state: pass its peers {missing} in peers=[...] (the agents it talked to)"
        )
    agent.chat_messages.clear()
    for name, history in state["chat_messages"].items():
        agent.chat_messages[by_name[name]] = list(history)
    for name, count in state.get("consecutive_auto_reply_counter", {}).items():
        if name in by_name:
            agent._consecutive_auto_reply_counter[by_name[name]] = count
    for name, limit in state.get("max_consecutive_auto_reply", {}).items():
        if name in by_name:
            agent._max_consecutive_auto_reply_dict[by_name[name]] = limit
    agent._human_input = list(state.get("human_input", []))
