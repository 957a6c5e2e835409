"""Continuing a stored conversation: put its messages back into freshly built agents.

A continued (or forked) run starts by re-publishing the earlier messages into its own event log, so it
reads as one whole conversation, then restores them into the agents' memories.
"""

from __future__ import annotations

from typing import Any

from components.events import MessageSent
from components.runtime import EventBus
from studio.builder import BuiltTeam


def message_dict(event: MessageSent) -> dict[str, Any]:
    message: dict[str, Any] = {"content": event.content, "name": event.name or event.sender}
    if event.role in ("tool", "function"):
        message["role"] = event.role
    for key in ("tool_calls", "function_call", "tool_responses"):
        value = getattr(event, key)
        if value is not None:
            message[key] = value
    return message


def restore_history(team: BuiltTeam, history: list[MessageSent], bus: EventBus) -> None:
    """Load ``history`` into the team's agents (and group chat) and re-publish it into the new run."""
    for event in history:
        bus.publish(event)
    _restore(team, history)
    for rule in team.team_rules:  # the team's message limit counts this run's messages only
        rule.count_from_here()


def _restore(team: BuiltTeam, history: list[MessageSent]) -> None:
    if team.manager is not None:
        group = [message_dict(e) for e in history if e.recipient == team.manager.name]
        if group:
            team.manager.resume(group, include_last=True)  # the run goes on with a new message
        return
    for event in history:
        sender, recipient = team.agents.get(event.sender), team.agents.get(event.recipient)
        if sender is None or recipient is None:
            continue
        message = message_dict(event)
        sender._append_oai_message(message, "assistant", recipient, is_sending=True)
        recipient._append_oai_message(message, "user", sender, is_sending=False)
