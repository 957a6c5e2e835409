"""A team's termination rules as AutoGen's own ``is_termination_msg`` checks.

A group chat puts the check on its manager, which sees every message; a two-agent chat puts one on
each agent. The check ends the chat on the agent's own rule too, and tells the engine (through
``describe``) which team rule ended it, so the run's end says why.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from components.coding.extract import content_str
from storage.documents import TeamTerminationSpec


class TeamTermination:
    """``is_termination_msg`` = the agent's own rule, or the team's phrase, or the team's message limit.

    ``count`` returns how many messages the chat holds when a message is checked (that one included); the
    phrase counts in every message but the task (the first).
    The limit counts from ``count_from_here``: a continued run restores the earlier messages, then gets
    the whole allowance again (as AutoGen 0.4's MaxMessageTermination resets for each run).
    """

    def __init__(
        self, own: Callable[[dict[str, Any]], bool], rules: TeamTerminationSpec, count: Callable[[], int]
    ) -> None:
        self._own = own
        self._rules = rules
        self._count = count
        self._offset = 0

    def count_from_here(self) -> None:
        """Messages already in the chat (restored from an earlier run) do not count towards the limit."""
        self._offset = self._count()

    def __call__(self, message: dict[str, Any]) -> bool:
        return self._team_rule(message) is not None or bool(self._own(message))

    def describe(self, message: dict[str, Any], sender_name: str) -> str | None:
        """Which team rule ended the chat, for the ``chat_finished`` reason; None when the agent's own did."""
        rule = self._team_rule(message)
        if rule == "mention":
            return f'{sender_name} said "{self._rules.text_mention}"'
        if rule == "limit":
            return f"the limit of {self._rules.max_messages} messages was reached"
        return None

    def _team_rule(self, message: dict[str, Any]) -> str | None:
        held = self._count() - self._offset
        phrase = self._rules.text_mention
        # the task is the chat's first message: "say APPROVED when it is done" must not end it at once
        if phrase and held > 1 and phrase in content_str(message.get("content")):
            return "mention"
        limit = self._rules.max_messages
        if limit is not None and held >= limit:
            return "limit"
        return None
